foo(data) {
  // listings/ch13-strings/as-loader/foo(~lib/array/Array<i32>) => ~lib/array/Array<i32>
  data = __lowerArray(__setU32, 4, 2, data) || __notnull();
  return __liftArray(__getI32, 2, exports.foo(data) >>> 0);
},
