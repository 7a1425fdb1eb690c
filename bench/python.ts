import { spawn } from 'node:child_process';
import { PYTHON } from '../test/helpers/python';

/**
 * Runs `code` with the pinned Python environment (python/requirements.txt: Optuna 5.0, scikit-learn,
 * PyTorch), passing `input` as JSON on stdin and parsing stdout as JSON. It does not
 * block the event loop, so a benchmark can start the peer's side and run tunelab's side meanwhile.
 * Python's stderr goes straight to ours (progress lines, and the traceback if it fails).
 */
export function runPythonJson<T>(code: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const py = spawn(PYTHON, ['-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    py.stdout.on('data', (d) => (out += d));
    py.on('error', reject);
    py.on('close', (status) =>
      status === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${PYTHON} exited with status ${status} (its traceback is above)`)),
    );
    py.stdin.end(JSON.stringify(input));
  });
}
