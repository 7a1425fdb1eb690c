/** Notebooks for the tunelab kernel, written by tests, and Jupyter's nbclient to execute them. */
import { join } from 'node:path';

/** `python RUN_NBCLIENT IN OUT KERNEL [CWD] [TIMEOUT_SECONDS]`: executes IN with Jupyter's nbclient into OUT. */
export const RUN_NBCLIENT = join(__dirname, '..', 'fixtures', 'kernel', 'run_nbclient.py');

export interface CellSpec {
  source: string;
  id?: string;
  tags?: string[];
}

/** An nbformat 4.5 notebook of code cells for the tunelab kernel (ids c0, c1, ... unless given). */
export function tunelabNotebook(cells: ReadonlyArray<string | CellSpec>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tunelab', display_name: 'TypeScript (tunelab)', language: 'typescript' }, ...metadata },
    cells: cells.map((c, i) => {
      const spec = typeof c === 'string' ? { source: c } : c;
      return {
        cell_type: 'code',
        id: spec.id ?? `c${i}`,
        metadata: spec.tags ? { tags: spec.tags } : {},
        execution_count: null,
        outputs: [],
        source: spec.source,
      };
    }),
  };
}
