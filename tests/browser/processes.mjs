// Starting onshi processes for the browser tests: the one helper every spec shares.
import { spawn } from 'node:child_process';

// Starts `binary args`, keeps the child in `children` (for the spec to stop) and its stderr
// in `logs`, and resolves with the first group of `pattern` in its stdout (e.g. the URL it
// listens on). Rejects when the process exits first or prints no match within 20 s.
export function startProcess(binary, args, pattern, what, children, logs) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 20 s: ${logs.join('')}`)), 20000);
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const m = buffered.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => logs.push(chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${logs.join('')}`));
    });
  });
}
