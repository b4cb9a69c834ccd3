export function peak_of(buf) {
    const ret = wasm.peak_of(buf);
    return ret;
}
