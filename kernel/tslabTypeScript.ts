/**
 * tslab's own TypeScript: the compiler that checks and runs the cells (a fork tslab depends on), so
 * whatever reads a cell's source outside the kernel (the runner's parameters cell) parses it as the
 * kernel will.
 */
import * as path from 'node:path';

export function loadTslabTypeScript(): typeof import('typescript') {
  const tslabDir = path.dirname(require.resolve('tslab/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] })) as typeof import('typescript');
}
