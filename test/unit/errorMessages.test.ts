// Messages a first-time user meets: they name what was wrong (the parameter, the server) and say what
// to do, and never quote a password.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { categorical, createStudy, float, int, InvalidDistributionError, loadStudy, space, StorageError } from '../../src';
import { getStorage, InMemoryStorage } from '../../src/entries/storage';

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('search-space errors name the parameter', () => {
  it('space({ y: float(1, 0) }) names y and says what to do', () => {
    assert.throws(
      () => space({ y: float(1, 0) }),
      (e: Error) =>
        e instanceof InvalidDistributionError &&
        /'y': low \(1\) is greater than high \(0\)\. Swap them or fix the range\./.test(e.message) &&
        !/float parameter/.test(e.message),
    );
    assert.throws(() => space({ units: int(1.5, 3) }), /Int distribution 'units': low and high must be integers.*float\(\)/);
    assert.throws(
      () => space({ act: categorical([]) }),
      /Categorical distribution 'act': choices must be a non-empty array, e\.g\. categorical\(\['relu', 'tanh'\]\)/,
    );
    assert.throws(() => space({ lr: float(0, 1, { log: true }) }), /Float distribution 'lr': log scale needs low > 0/);
    assert.throws(
      () => space({ c: 3 as never }),
      (e: Error) =>
        e instanceof InvalidDistributionError &&
        /'c' must be float\(\.\.\.\), int\(\.\.\.\), categorical\(\[\.\.\.\]\) or branch\(\{\.\.\.\}\), got 3/.test(e.message),
    );
  });

  it('an invalid float() used with trial.suggest is reported under the suggested name; valid ones work as before', async () => {
    const study = await createStudy();
    const trial = await study.ask();
    assert.throws(() => trial.suggest('z', float(1, 0)), /Float distribution 'z': low \(1\) is greater than high \(0\)/);
    const s = space({ x: float(0, 1), n: int(1, 4, { step: 3 }), a: categorical(['p', 'q']) });
    assert.deepEqual(s.definition.n, { kind: 'int', low: 1, high: 4, log: false, step: 3 });
    const p = s.suggest(trial);
    assert.ok(p.x >= 0 && p.x <= 1 && [1, 4].includes(p.n) && ['p', 'q'].includes(p.a));
  });
});

describe('storage errors say where and what to check', () => {
  it('a PostgreSQL URL with nothing listening: could not connect at host:port, what to check, no password', async () => {
    const port = await closedPort();
    for (const host of ['127.0.0.1', 'localhost']) {
      const url = `postgresql://tuner:s3cret-pw@${host}:${port}/studies`;
      const err = await createStudy({ storage: url }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      assert.ok(err instanceof StorageError, `a StorageError: ${String(err)}`);
      const m = err.message;
      assert.match(
        m,
        new RegExp(`^Could not connect to PostgreSQL at ${host}:${port} \\(postgresql://tuner:\\*\\*\\*@${host}:${port}/studies\\)`),
      );
      assert.match(m, /ECONNREFUSED/);
      assert.match(
        m,
        new RegExp(
          `Nothing is listening at ${host}:${port}; check that the PostgreSQL server is running \\(pg_isready -h ${host} -p ${port}\\)`,
        ),
      );
      assert.doesNotMatch(m, /s3cret-pw/);
      assert.doesNotMatch(m, /heartbeat|worker/i, 'nothing ran yet: no talk of heartbeats or workers');
    }
  });

  it('an unknown URL scheme lists the known ones without quoting the password', async () => {
    await assert.rejects(getStorage('mysql://tuner:s3cret-pw@localhost/studies'), (e: Error) => {
      assert.match(e.message, /Unknown storage URL 'mysql:\/\/tuner:\*\*\*@localhost\/studies'\. Use one of the schemes: memory, sqlite:/);
      assert.doesNotMatch(e.message, /s3cret-pw/);
      return true;
    });
  });

  it('loading a study missing from memory storage says why it may be missing', async () => {
    await assert.rejects(
      loadStudy({ studyName: 'nope', storage: new InMemoryStorage() }),
      /No study named 'nope' in memory storage\. Memory storage lives in one process and one storage object/,
    );
  });
});
