import { spawn } from 'node:child_process';

/**
 * Runs `code` with /usr/bin/python3 (Debian's Optuna, scikit-learn and PyTorch live there, not in
 * the python3 on PATH), passing `input` as JSON on stdin and parsing stdout as JSON. It does not
 * block the event loop, so a benchmark can start the peer's side and run tunelab's side meanwhile.
 * Python's stderr goes straight to ours (progress lines, and the traceback if it fails).
 */
export function runPythonJson<T>(code: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const py = spawn('/usr/bin/python3', ['-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    py.stdout.on('data', (d) => (out += d));
    py.on('error', reject);
    py.on('close', (status) => (status === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`/usr/bin/python3 exited with status ${status} (its traceback is above)`))));
    py.stdin.end(JSON.stringify(input));
  });
}
