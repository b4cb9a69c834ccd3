constructor(bytes) {
    const ptr0 = passArray8ToWasm0(bytes, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.transaction_new(ptr0, len0);
    this.__wbg_ptr = ret;
    TransactionFinalization.register(this, this.__wbg_ptr, this);
    return this;
}
