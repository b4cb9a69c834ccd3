join(first, second) {
  // listings/ch13-strings/as-strings/join(~lib/string/String, ~lib/string/String) => ~lib/string/String
  first = __retain(__lowerString(first) || __notnull());
  second = __lowerString(second) || __notnull();
  try {
    return __liftString(exports.join(first, second) >>> 0);
  } finally {
    __release(first);
  }
},
