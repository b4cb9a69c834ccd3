// A wasmtime host for the `greet` recipe, in C, on wasmtime's C API:
//
//     ./greet-host GUEST.wasm [NAME [ROUNDS]]
//
// prints the guest's greeting for NAME (`world` if none).
//
// Who frees what: the host allocates the name in the guest (`allocate`),
// writes it, calls `greet`, and frees the name (`deallocate`); `greet`
// returns a buffer of the guest's, which the host checks, copies out, and
// frees (`deallocate`). Every number the guest returns is checked before the
// host uses it, and every object the C API hands over is deleted.

// For clock_gettime, which -std=c11 alone does not declare.
#define _POSIX_C_SOURCE 199309L

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wasi.h>
#include <wasmtime.h>

// The longest greeting this host copies out: it never allocates what a
// guest asks for unchecked.
#define MAX_LEN 1048576u // 1 MiB

// What the host holds while it talks to the guest.
struct host {
  wasmtime_context_t *context;
  wasmtime_instance_t instance;
  wasmtime_memory_t memory;
  wasmtime_func_t allocate, deallocate, greet;
};

// Prints `error: <what>: <wasmtime's message>` and deletes `error` and
// `trap` (either may be NULL). The message may span lines (for a trap:
// where, then why): every run of white space becomes one space, so that the
// error stays one line.
static void report(const char *what, wasmtime_error_t *error,
                   wasm_trap_t *trap) {
  wasm_byte_vec_t message = {0, NULL};
  if (error != NULL) {
    wasmtime_error_message(error, &message);
    wasmtime_error_delete(error);
  } else if (trap != NULL) {
    wasm_trap_message(trap, &message);
    wasm_trap_delete(trap);
  }
  fprintf(stderr, "error: %s:", what);
  bool space = true;
  for (size_t i = 0; i < message.size && message.data[i] != '\0'; i++) {
    char c = message.data[i];
    if (isspace((unsigned char)c)) {
      space = true;
      continue;
    }
    if (space) {
      fputc(' ', stderr);
      space = false;
    }
    fputc(c, stderr);
  }
  fputc('\n', stderr);
  wasm_byte_vec_delete(&message);
}

// Whether `types` are the value types `expected` spells, one letter each:
// 'i' for i32, 'I' for i64.
static bool types_are(const wasm_valtype_vec_t *types, const char *expected) {
  if (types->size != strlen(expected)) {
    return false;
  }
  for (size_t i = 0; i < types->size; i++) {
    wasm_valkind_t want = expected[i] == 'i' ? WASM_I32 : WASM_I64;
    if (wasm_valtype_kind(types->data[i]) != want) {
      return false;
    }
  }
  return true;
}

// Looks up the function `name` that the guest exports, of type `params ->
// results` (spelled as for `types_are`; `type` says it in words). Prints the
// error line and returns false if there is none.
static bool get_func(struct host *host, const char *name, const char *params,
                     const char *results, const char *type,
                     wasmtime_func_t *func) {
  wasmtime_extern_t item;
  if (!wasmtime_instance_export_get(host->context, &host->instance, name,
                                    strlen(name), &item)) {
    fprintf(stderr, "error: the guest does not export `%s`\n", name);
    return false;
  }
  bool ok = item.kind == WASMTIME_EXTERN_FUNC;
  if (ok) {
    *func = item.of.func;
    wasm_functype_t *functype = wasmtime_func_type(host->context, func);
    ok = types_are(wasm_functype_params(functype), params) &&
         types_are(wasm_functype_results(functype), results);
    wasm_functype_delete(functype);
  }
  wasmtime_extern_delete(&item);
  if (!ok) {
    fprintf(stderr, "error: `%s` is not a function of type %s\n", name, type);
  }
  return ok;
}

// Calls `func`, the export `name`. Prints the error line and returns false
// if it traps.
static bool call(struct host *host, const char *name,
                 const wasmtime_func_t *func, const wasmtime_val_t *args,
                 size_t nargs, wasmtime_val_t *results, size_t nresults) {
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *error = wasmtime_func_call(host->context, func, args,
                                               nargs, results, nresults, &trap);
  if (error != NULL || trap != NULL) {
    char what[64];
    snprintf(what, sizeof what, "`%s` failed", name);
    report(what, error, trap);
    return false;
  }
  return true;
}

// Whether `bytes` are valid UTF-8: no stray or missing continuation bytes,
// no overlong forms, no surrogates, nothing past U+10FFFF.
static bool is_utf8(const uint8_t *bytes, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t b = bytes[i];
    size_t extra;
    uint32_t min, code;
    if (b < 0x80) {
      i++;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      extra = 1, min = 0x80, code = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, code = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, code = b & 0x07;
    } else {
      return false;
    }
    if (len - i <= extra) {
      return false;
    }
    for (size_t k = 1; k <= extra; k++) {
      if ((bytes[i + k] & 0xC0) != 0x80) {
        return false;
      }
      code = (code << 6) | (bytes[i + k] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// Reads the whole file at `path` into a buffer the caller frees; NULL, with
// errno set, if it cannot.
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return NULL;
  }
  uint8_t *bytes = NULL;
  size_t size = 0, capacity = 0;
  for (;;) {
    if (size == capacity) {
      capacity = capacity > 0 ? capacity * 2 : 65536;
      uint8_t *grown = realloc(bytes, capacity);
      if (grown == NULL) {
        break;
      }
      bytes = grown;
    }
    size_t wanted = capacity - size;
    size_t got = fread(bytes + size, 1, wanted, file);
    size += got;
    if (got < wanted) {
      break; // the end of the file, or an error
    }
  }
  bool ok = feof(file) && !ferror(file);
  int saved = errno;
  fclose(file);
  if (!ok) {
    free(bytes);
    errno = saved;
    return NULL;
  }
  *len = size;
  return bytes;
}

// Sets up an instantiated guest: runs `_initialize` if it has one and looks
// up its exports, once. Prints the error line and returns false if it cannot.
static bool setup(struct host *host) {
  // A WASI reactor (Go, C) sets itself up in `_initialize`, which must run
  // once before any other export.
  wasmtime_extern_t item;
  if (wasmtime_instance_export_get(host->context, &host->instance,
                                   "_initialize", strlen("_initialize"),
                                   &item)) {
    wasmtime_extern_delete(&item);
    wasmtime_func_t initialize;
    if (!get_func(host, "_initialize", "", "", "() -> ()", &initialize) ||
        !call(host, "_initialize", &initialize, NULL, 0, NULL, 0)) {
      return false;
    }
  }

  if (!wasmtime_instance_export_get(host->context, &host->instance, "memory",
                                    strlen("memory"), &item)) {
    fprintf(stderr, "error: the guest does not export `memory`\n");
    return false;
  }
  bool is_memory = item.kind == WASMTIME_EXTERN_MEMORY;
  host->memory = item.of.memory;
  wasmtime_extern_delete(&item);
  if (!is_memory) {
    fprintf(stderr, "error: `memory` is not a memory\n");
    return false;
  }
  return get_func(host, "allocate", "i", "i", "(i32) -> i32",
                  &host->allocate) &&
         get_func(host, "deallocate", "ii", "", "(i32, i32) -> ()",
                  &host->deallocate) &&
         get_func(host, "greet", "ii", "I", "(i32, i32) -> i64", &host->greet);
}

// Runs one round trip in a set-up guest; returns the greeting, in a buffer
// the caller frees, and sets `*greeting_len`. Prints the error line and
// returns NULL if it fails.
static uint8_t *round_trip(struct host *host, const char *name,
                           size_t *greeting_len) {
  // The name: allocated by the guest, written by the host.
  size_t name_size = strlen(name);
  if (name_size > UINT32_MAX) {
    fprintf(stderr, "error: the name is too long\n");
    return NULL;
  }
  uint32_t name_len = (uint32_t)name_size;
  wasmtime_val_t args[2], result;
  args[0].kind = WASMTIME_I32;
  args[0].of.i32 = (int32_t)name_len;
  if (!call(host, "allocate", &host->allocate, args, 1, &result, 1)) {
    return NULL;
  }
  uint32_t name_ptr = (uint32_t)result.of.i32;
  uint64_t memory_size =
      wasmtime_memory_data_size(host->context, &host->memory);
  if ((uint64_t)name_ptr + name_len > memory_size) {
    fprintf(stderr,
            "error: allocate returned ptr=%" PRIu32 " for len=%" PRIu32
            ", outside the guest's memory of %" PRIu64 " bytes\n",
            name_ptr, name_len, memory_size);
    return NULL;
  }
  memcpy(wasmtime_memory_data(host->context, &host->memory) + name_ptr, name,
         name_len);

  args[0].kind = args[1].kind = WASMTIME_I32;
  args[0].of.i32 = (int32_t)name_ptr;
  args[1].of.i32 = (int32_t)name_len;
  if (!call(host, "greet", &host->greet, args, 2, &result, 1)) {
    return NULL;
  }
  uint64_t packed = (uint64_t)result.of.i64;
  // The guest neither frees nor keeps the name: the host frees it now.
  if (!call(host, "deallocate", &host->deallocate, args, 2, NULL, 0)) {
    return NULL;
  }

  // Pointer in the low 32 bits, length in the high 32 bits.
  uint32_t ptr = (uint32_t)packed;
  uint32_t len = (uint32_t)(packed >> 32);

  // The checks, before the host reads a byte. The length first: a guest
  // does not get to make the host allocate whatever it asks for.
  if (len > MAX_LEN) {
    fprintf(stderr,
            "error: greet returned len=%" PRIu32
            ", more than the %u bytes this host accepts\n",
            len, MAX_LEN);
    return NULL;
  }
  // Then the bounds, against the memory's size now (`greet` may have grown
  // it), added as uint64_t so that `ptr + len` cannot wrap around.
  memory_size = wasmtime_memory_data_size(host->context, &host->memory);
  if ((uint64_t)ptr + len > memory_size) {
    fprintf(stderr,
            "error: greet returned ptr=%" PRIu32 " len=%" PRIu32
            ", outside the guest's memory of %" PRIu64 " bytes\n",
            ptr, len, memory_size);
    return NULL;
  }
  // A copy: the next call into the guest may grow (move) or reuse its
  // memory, so the host never keeps a pointer into it across a call.
  uint8_t *greeting = malloc(len > 0 ? len : 1);
  if (greeting == NULL) {
    fprintf(stderr, "error: out of memory\n");
    return NULL;
  }
  memcpy(greeting, wasmtime_memory_data(host->context, &host->memory) + ptr,
         len);
  // The greeting is the host's to free, now that it has its own copy.
  args[0].of.i32 = (int32_t)ptr;
  args[1].of.i32 = (int32_t)len;
  if (!call(host, "deallocate", &host->deallocate, args, 2, NULL, 0)) {
    free(greeting);
    return NULL;
  }
  // Last, the bytes must be UTF-8.
  if (!is_utf8(greeting, len)) {
    fprintf(stderr, "error: greet returned bytes that are not valid UTF-8\n");
    free(greeting);
    return NULL;
  }
  *greeting_len = len;
  return greeting;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "error: usage: %s GUEST.wasm [NAME [ROUNDS]]\n", argv[0]);
    return 1;
  }
  const char *path = argv[1];
  const char *name = argc >= 3 ? argv[2] : "world";
  // ROUNDS is for comparing hosts (the book's ci/bench uses it): it repeats
  // the round trip and times it. A reader can drop it and run one round.
  long rounds = 1;
  if (argc == 4) {
    const char *text = argv[3];
    char *end = NULL;
    errno = 0;
    if (isdigit((unsigned char)text[0])) { // no sign, no leading space
      rounds = strtol(text, &end, 10);
    }
    if (end == NULL || *end != '\0' || errno != 0 || rounds < 1) {
      fprintf(stderr, "error: ROUNDS must be a positive integer, not %s\n",
              text);
      return 1;
    }
  }

  size_t wasm_len;
  uint8_t *wasm = read_file(path, &wasm_len);
  if (wasm == NULL) {
    fprintf(stderr, "error: cannot read %s: %s\n", path, strerror(errno));
    return 1;
  }

  int status = 1;
  char what[4096];
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_module_t *module = NULL;
  struct host host = {.context = wasmtime_store_context(store)};
  wasm_trap_t *trap = NULL;

  wasmtime_error_t *error = wasmtime_module_new(engine, wasm, wasm_len, &module);
  if (error != NULL) {
    snprintf(what, sizeof what, "cannot load %s", path);
    report(what, error, NULL);
    goto done;
  }
  // WASI preview 1 with no files, no environment and no stdio: enough for a
  // Go guest's runtime. A guest that imports nothing never calls it.
  // The store takes the configuration (and frees it).
  error = wasmtime_context_set_wasi(host.context, wasi_config_new());
  if (error == NULL) {
    error = wasmtime_linker_define_wasi(linker);
  }
  if (error != NULL) {
    report("cannot set up WASI", error, NULL);
    goto done;
  }
  error = wasmtime_linker_instantiate(linker, host.context, module,
                                      &host.instance, &trap);
  if (error != NULL || trap != NULL) {
    snprintf(what, sizeof what, "cannot instantiate %s", path);
    report(what, error, trap);
    goto done;
  }
  if (!setup(&host)) {
    goto done;
  }
  uint8_t *greeting = NULL;
  size_t len = 0;
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long round = 0; round < rounds; round++) {
    free(greeting);
    greeting = round_trip(&host, name, &len);
    if (greeting == NULL) {
      goto done;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  fwrite(greeting, 1, len, stdout);
  fputc('\n', stdout);
  free(greeting);
  if (rounds > 1) {
    int64_t ns = (int64_t)(end.tv_sec - start.tv_sec) * 1000000000 +
                 (end.tv_nsec - start.tv_nsec);
    fprintf(stderr, "bench: %ld round trips, %" PRId64 " ns each\n", rounds,
            ns / rounds);
  }
  status = 0;

done:
  if (module != NULL) {
    wasmtime_module_delete(module);
  }
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  free(wasm);
  return status;
}
