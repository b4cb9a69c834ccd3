// The packing calculator (chapter 4): a pointer and a length to one u64 and
// back, in both orders, computed by the wasm functions of
// listings/ch04-returning-bytes-out/packing.wat.

const ORDERS = [
    ['pointer low (this book)', 'pack_pointer_low', 'unpack_pointer_low'],
    ['pointer high (wazero examples)', 'pack_pointer_high', 'unpack_pointer_high'],
];

/** "1114136", "0x110018" or "123n": a non-negative integer, as a BigInt. */
function parse(text, bits) {
    const trimmed = text.trim().replace(/n$/, '').replaceAll('_', '');
    if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(trimmed)) throw new Error(`"${text}" is not a number`);
    const value = BigInt(trimmed);
    if (value >= 1n << BigInt(bits)) throw new Error(`${text} does not fit in ${bits} bits`);
    return value;
}

const hex = (value, digits) => `0x${value.toString(16).padStart(digits, '0')}`;

export async function mount(element, { root }) {
    const tested = await (await fetch(new URL('wasm/ch04_packing.wasm', root))).arrayBuffer();
    let wasm = (await WebAssembly.instantiate(tested)).instance.exports;
    element.innerHTML = `
        <p class="widget-title">Packing calculator <span class="mono">(wasm: packing.wat)</span></p>
        <div class="controls">
            <label>pointer <input name="ptr" value="0x110018" size="12" spellcheck="false"></label>
            <label>length <input name="len" value="14" size="12" spellcheck="false"></label>
        </div>
        <div class="status" data-out="packed" aria-live="polite"></div>
        <div class="controls">
            <label>packed u64 <input name="packed" value="0x0000000e00110018" size="22" spellcheck="false"></label>
        </div>
        <div class="status" data-out="unpacked" aria-live="polite"></div>`;
    const input = (name) => element.querySelector(`input[name=${name}]`);
    const out = (name) => element.querySelector(`[data-out=${name}]`);

    const pack = () => {
        try {
            const ptr = Number(parse(input('ptr').value, 32));
            const len = Number(parse(input('len').value, 32));
            out('packed').innerHTML = ORDERS.map(([label, packName]) => {
                // An i64 result arrives as a BigInt; an i32 argument is a Number.
                const packed = BigInt.asUintN(64, wasm[packName](ptr, len));
                return `<div>${label}: <output>${hex(packed, 16)}</output> = <output>${packed}</output> = <output>${packed}n</output></div>`;
            }).join('');
        } catch (error) {
            out('packed').innerHTML = `<span class="bad">${error.message}</span>`;
        }
    };
    const unpack = () => {
        try {
            const packed = parse(input('packed').value, 64);
            out('unpacked').innerHTML = ORDERS.map(([label, , unpackName]) => {
                // Two results arrive as an array.
                const [ptr, len] = wasm[unpackName](packed).map((n) => n >>> 0);
                return `<div>${label}: pointer <output>${hex(BigInt(ptr), 8)}</output> (${ptr}), length <output>${len}</output></div>`;
            }).join('');
        } catch (error) {
            out('unpacked').innerHTML = `<span class="bad">${error.message}</span>`;
        }
    };
    for (const name of ['ptr', 'len']) input(name).addEventListener('input', pack);
    input('packed').addEventListener('input', unpack);
    pack();
    unpack();
    // Listing 4-2 edited and assembled in the page (playground.js): compute
    // with the reader's functions, or the tested ones again after Reset.
    let latest = null; // the last listing assembled: an earlier one may finish after it
    document.addEventListener('playground-assembled', async ({ detail: { file, bytes } }) => {
        if (file !== 'ch04_packing.wasm') return;
        latest = bytes;
        try {
            const exports = (await WebAssembly.instantiate(bytes ?? tested)).instance.exports;
            if (latest !== bytes) return;
            for (const [, packName, unpackName] of ORDERS) {
                if (typeof exports[packName] !== 'function' || typeof exports[unpackName] !== 'function') {
                    throw new Error(`it exports no ${packName} or ${unpackName}`);
                }
            }
            wasm = exports;
        } catch (error) {
            out('packed').innerHTML = '<span class="bad"></span>';
            out('packed').firstChild.textContent = `The edited listing does not run here: ${error.message}`;
            return;
        }
        pack();
        unpack();
    });
    element.dataset.ready = 'true';
}
