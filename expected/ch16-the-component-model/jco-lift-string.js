const TEXT_DECODER_UTF8 = new TextDecoder();

var ptr1 = dataView(memory0).getUint32(ret + 0, true);
var len1 = dataView(memory0).getUint32(ret + 4, true);
var result1 = TEXT_DECODER_UTF8.decode(new Uint8Array(memory0.buffer, ptr1, len1));
