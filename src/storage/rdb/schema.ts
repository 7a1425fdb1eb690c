/**
 * Optuna's RDB schema at alembic revision v3.2.0.a (the head of Optuna 3.2 to 5.0), emitted the way
 * SQLAlchemy emits it for SQLite and PostgreSQL, so a database tunelab creates is the database
 * Optuna 5.0 would create: the same tables, columns, types, constraints, indexes, enum types and
 * version rows. Optuna decides compatibility from `alembic_version` alone (it refuses any revision
 * but its head); the one index tunelab adds (trials by study and number) is an ordinary extra index
 * that Optuna neither needs nor objects to.
 *
 * Revisions tunelab knows:
 * - v3.2.0.a (HEAD_REVISION): read and written.
 * - v3.0.0.d (PREVIOUS_REVISION, Optuna 3.0/3.1): read only; `tunelab storage upgrade URL` moves it
 *   to v3.2.0.a with `upgradeStatements`, as `optuna storage upgrade` does.
 */
export type Dialect = 'sqlite' | 'postgres';

/** The alembic head of Optuna 3.2-5.0: the schema tunelab creates, reads and writes. */
export const HEAD_REVISION = 'v3.2.0.a';
/** The head of Optuna 3.0/3.1: read, never written until upgraded. */
export const PREVIOUS_REVISION = 'v3.0.0.d';
/** Alembic revisions of Optuna releases before 3.0: only `optuna storage upgrade` migrates them. */
export const OLDER_REVISIONS = ['v0.9.0.a', 'v1.2.0.a', 'v1.3.0.a', 'v2.4.0.a', 'v2.6.0.a', 'v3.0.0.a', 'v3.0.0.b', 'v3.0.0.c'];
export type KnownRevision = typeof HEAD_REVISION | typeof PREVIOUS_REVISION;
/** version_info.schema_version as Optuna writes it (frozen at 12 since alembic took over). */
export const LEGACY_SCHEMA_VERSION = 12;
/**
 * version_info.library_version: Optuna only prints it in its incompatibility message, and
 * `optuna storage upgrade` sets it to the running release; we write the Optuna release whose head
 * this is, so Optuna's tools see a database they know.
 */
export const LIBRARY_VERSION = '5.0.0';

/** Enum columns: VARCHAR in SQLite (SQLAlchemy's non-native Enum), a named ENUM type in PostgreSQL. */
const ENUMS = {
  studydirection: ['NOT_SET', 'MINIMIZE', 'MAXIMIZE'],
  trialstate: ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'],
  trialvaluetype: ['FINITE', 'INF_POS', 'INF_NEG'],
  trialintermediatevaluetype: ['FINITE', 'INF_POS', 'INF_NEG', 'NAN'],
} as const;
type EnumName = keyof typeof ENUMS;

type ColumnType =
  | { kind: 'id' } // autoincrementing integer primary key
  | { kind: 'int' }
  | { kind: 'varchar'; length: number }
  | { kind: 'text' }
  | { kind: 'float' }
  | { kind: 'datetime' }
  | { kind: 'enum'; name: EnumName };

interface Column {
  name: string;
  type: ColumnType;
  notNull?: boolean;
}

interface Table {
  name: string;
  columns: Column[];
  primaryKey: string;
  /** alembic_version names its primary key constraint */
  primaryKeyName?: string;
  check?: string;
  unique?: string[];
  foreignKey?: { column: string; table: string };
}

const id = (name: string): Column => ({ name, type: { kind: 'id' }, notNull: true });
const int = (name: string, notNull = false): Column => ({ name, type: { kind: 'int' }, notNull });
const key: Column = { name: 'key', type: { kind: 'varchar', length: 512 } };
const valueJson: Column = { name: 'value_json', type: { kind: 'text' } };

const TABLES: Table[] = [
  {
    name: 'studies',
    columns: [id('study_id'), { name: 'study_name', type: { kind: 'varchar', length: 512 }, notNull: true }],
    primaryKey: 'study_id',
  },
  {
    name: 'version_info',
    columns: [int('version_info_id', true), int('schema_version'), { name: 'library_version', type: { kind: 'varchar', length: 256 } }],
    primaryKey: 'version_info_id',
    check: 'version_info_id=1',
  },
  {
    name: 'study_directions',
    columns: [
      id('study_direction_id'),
      { name: 'direction', type: { kind: 'enum', name: 'studydirection' }, notNull: true },
      int('study_id', true),
      int('objective', true),
    ],
    primaryKey: 'study_direction_id',
    unique: ['study_id', 'objective'],
    foreignKey: { column: 'study_id', table: 'studies' },
  },
  ...(['study_user_attributes', 'study_system_attributes'] as const).map((name): Table => ({
    name,
    columns: [id(`${name.slice(0, -1)}_id`), int('study_id'), key, valueJson],
    primaryKey: `${name.slice(0, -1)}_id`,
    unique: ['study_id', 'key'],
    foreignKey: { column: 'study_id', table: 'studies' },
  })),
  {
    name: 'trials',
    columns: [
      id('trial_id'),
      int('number'),
      int('study_id'),
      { name: 'state', type: { kind: 'enum', name: 'trialstate' }, notNull: true },
      { name: 'datetime_start', type: { kind: 'datetime' } },
      { name: 'datetime_complete', type: { kind: 'datetime' } },
    ],
    primaryKey: 'trial_id',
    foreignKey: { column: 'study_id', table: 'studies' },
  },
  ...(['trial_user_attributes', 'trial_system_attributes'] as const).map((name): Table => ({
    name,
    columns: [id(`${name.slice(0, -1)}_id`), int('trial_id'), key, valueJson],
    primaryKey: `${name.slice(0, -1)}_id`,
    unique: ['trial_id', 'key'],
    foreignKey: { column: 'trial_id', table: 'trials' },
  })),
  {
    name: 'trial_params',
    columns: [
      id('param_id'),
      int('trial_id'),
      { name: 'param_name', type: { kind: 'varchar', length: 512 } },
      { name: 'param_value', type: { kind: 'float' } },
      { name: 'distribution_json', type: { kind: 'text' } },
    ],
    primaryKey: 'param_id',
    unique: ['trial_id', 'param_name'],
    foreignKey: { column: 'trial_id', table: 'trials' },
  },
  {
    name: 'trial_values',
    columns: [
      id('trial_value_id'),
      int('trial_id', true),
      int('objective', true),
      { name: 'value', type: { kind: 'float' } },
      { name: 'value_type', type: { kind: 'enum', name: 'trialvaluetype' }, notNull: true },
    ],
    primaryKey: 'trial_value_id',
    unique: ['trial_id', 'objective'],
    foreignKey: { column: 'trial_id', table: 'trials' },
  },
  {
    name: 'trial_intermediate_values',
    columns: [
      id('trial_intermediate_value_id'),
      int('trial_id', true),
      int('step', true),
      { name: 'intermediate_value', type: { kind: 'float' } },
      { name: 'intermediate_value_type', type: { kind: 'enum', name: 'trialintermediatevaluetype' }, notNull: true },
    ],
    primaryKey: 'trial_intermediate_value_id',
    unique: ['trial_id', 'step'],
    foreignKey: { column: 'trial_id', table: 'trials' },
  },
  {
    name: 'trial_heartbeats',
    columns: [id('trial_heartbeat_id'), int('trial_id', true), { name: 'heartbeat', type: { kind: 'datetime' }, notNull: true }],
    primaryKey: 'trial_heartbeat_id',
    unique: ['trial_id'],
    foreignKey: { column: 'trial_id', table: 'trials' },
  },
  {
    name: 'alembic_version',
    columns: [{ name: 'version_num', type: { kind: 'varchar', length: 32 }, notNull: true }],
    primaryKey: 'version_num',
    primaryKeyName: 'alembic_version_pkc',
  },
];

export const TABLE_NAMES = TABLES.map((t) => t.name);

function columnType(t: ColumnType, dialect: Dialect): string {
  switch (t.kind) {
    case 'id':
      return dialect === 'sqlite' ? 'INTEGER' : 'SERIAL';
    case 'int':
      return 'INTEGER';
    case 'varchar':
      return `VARCHAR(${t.length})`;
    case 'text':
      return 'TEXT';
    case 'float':
      return dialect === 'sqlite' ? 'FLOAT' : 'FLOAT(53)';
    case 'datetime':
      return dialect === 'sqlite' ? 'DATETIME' : 'TIMESTAMP WITHOUT TIME ZONE';
    case 'enum':
      // SQLAlchemy sizes the VARCHAR of a non-native enum to its longest name.
      return dialect === 'sqlite' ? `VARCHAR(${Math.max(...ENUMS[t.name].map((n) => n.length))})` : t.name;
  }
}

const quote = (name: string) => (name === 'key' ? '"key"' : name);

function createTable(t: Table, dialect: Dialect): string {
  const lines = t.columns.map((c) => `${quote(c.name)} ${columnType(c.type, dialect)}${c.notNull ? ' NOT NULL' : ''}`);
  lines.push(`${t.primaryKeyName ? `CONSTRAINT ${t.primaryKeyName} ` : ''}PRIMARY KEY (${t.primaryKey})`);
  if (t.check) lines.push(`CHECK (${t.check})`);
  if (t.unique) lines.push(`UNIQUE (${t.unique.map(quote).join(', ')})`);
  if (t.foreignKey) lines.push(`FOREIGN KEY(${t.foreignKey.column}) REFERENCES ${t.foreignKey.table} (${t.foreignKey.column})`);
  return `CREATE TABLE ${t.name} (\n\t${lines.join(', \n\t')}\n)`;
}

/**
 * Statements that create a fresh database, in Optuna's order, version rows included. At the head this
 * is what Optuna 5.0's `create_all` + `stamp` produce: its model declares trials.study_id indexed,
 * which SQLAlchemy names `ix_trials_study_id`. (A database upgraded from v3.0.0.d carries the same
 * index under the migration's name, `trials_study_id_key`; Optuna accepts both.) The v3.0.0.d form
 * (Optuna 3.0/3.1, no index) is only for tests of reading and upgrading old databases.
 */
export function createSchemaStatements(dialect: Dialect, revision: KnownRevision = HEAD_REVISION): string[] {
  const out: string[] = [];
  if (dialect === 'postgres') {
    for (const [name, values] of Object.entries(ENUMS)) {
      out.push(`CREATE TYPE ${name} AS ENUM (${values.map((v) => `'${v}'`).join(', ')})`);
    }
  }
  for (const t of TABLES) {
    out.push(createTable(t, dialect));
    if (t.name === 'studies') out.push('CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)');
    if (t.name === 'trials' && revision === HEAD_REVISION) out.push('CREATE INDEX ix_trials_study_id ON trials (study_id)');
  }
  const library = revision === HEAD_REVISION ? LIBRARY_VERSION : '3.1.0';
  out.push(
    `INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ${LEGACY_SCHEMA_VERSION}, '${library}')`,
  );
  out.push(`INSERT INTO alembic_version (version_num) VALUES ('${revision}')`);
  return out;
}

/**
 * v3.0.0.d -> v3.2.0.a, what Optuna's migration and `optuna storage upgrade` do: create the index,
 * move alembic_version, and record the release in version_info. Run them in one transaction.
 */
export function upgradeStatements(): string[] {
  return [
    'CREATE INDEX trials_study_id_key ON trials (study_id)',
    `UPDATE alembic_version SET version_num = '${HEAD_REVISION}' WHERE version_num = '${PREVIOUS_REVISION}'`,
    `UPDATE version_info SET schema_version = ${LEGACY_SCHEMA_VERSION}, library_version = '${LIBRARY_VERSION}'`,
  ];
}

/**
 * Indexes Optuna lacks. Every per-trial table already leads a UNIQUE constraint with trial_id, and
 * Optuna's own index covers "trials of a study"; "next number" (MAX(number) of a study, taken on every
 * new trial) would still read every trial of the study through it, so tunelab keeps one index by
 * (study_id, number), which answers it from one index entry. Optuna 5 ignores indexes it did not
 * declare (its check reads alembic_version only) and its migrations never touch this one. Created
 * only on databases tunelab may write (at the head revision).
 */
export const EXTRA_INDEX_STATEMENTS = ['CREATE INDEX IF NOT EXISTS tunelab_ix_trials_study_id_number ON trials (study_id, number)'];
