// Just enough of WASI preview 1 for the book's Go reactors to start and
// run in a page, as Node's `node:wasi` runs them in the JavaScript room: no
// arguments, environment or files; stdout and stderr go to the output.
import { print } from './session.js';

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_NOSYS = 52;

export async function instantiateWasiBytes(bytes) {
  const module = await WebAssembly.compile(bytes);
  let memory;
  const view = () => new DataView(memory.buffer);
  const decoder = new TextDecoder();
  const pending = { 1: '', 2: '' };
  const provided = {
    args_sizes_get: (count, size) => { view().setUint32(count, 0, true); view().setUint32(size, 0, true); return ERRNO_SUCCESS; },
    environ_sizes_get: (count, size) => { view().setUint32(count, 0, true); view().setUint32(size, 0, true); return ERRNO_SUCCESS; },
    args_get: () => ERRNO_SUCCESS,
    environ_get: () => ERRNO_SUCCESS,
    clock_time_get: (_id, _precision, time) => {
      view().setBigUint64(time, BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)), true);
      return ERRNO_SUCCESS;
    },
    random_get: (ptr, len) => { crypto.getRandomValues(new Uint8Array(memory.buffer, ptr, len)); return ERRNO_SUCCESS; },
    fd_write: (fd, iovs, count, written) => {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      let total = 0;
      for (let i = 0; i < count; i += 1) {
        const ptr = view().getUint32(iovs + i * 8, true);
        const len = view().getUint32(iovs + i * 8 + 4, true);
        pending[fd] += decoder.decode(new Uint8Array(memory.buffer, ptr, len));
        total += len;
      }
      const lines = pending[fd].split('\n');
      pending[fd] = lines.pop();
      for (const line of lines) print(line);
      view().setUint32(written, total, true);
      return ERRNO_SUCCESS;
    },
    proc_exit: (code) => { throw new Error(`the guest exited with code ${code}`); },
    sched_yield: () => ERRNO_SUCCESS,
  };
  const wasi = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    if (from === 'wasi_snapshot_preview1') wasi[name] = provided[name] ?? (() => ERRNO_NOSYS);
  }
  // Not WebAssembly.instantiate, which records calls: the reactor's _initialize is not the test's.
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory;
  if (instance.exports._initialize) instance.exports._initialize();
  return instance.exports;
}
