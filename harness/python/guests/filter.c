/* A filter in the shape of wasm-filter's (migerh/wasm-filter#2): C takes
 * `unsigned char *` parameters, and the host passes numbers, the byte
 * offsets in linear memory where it put the pixels. */
#include <stdlib.h>

/* Static data: the host can find it only by asking for its address. */
static const int kernel[3] = {1, 2, 1};

__attribute__((export_name("allocate")))
void *allocate(size_t len) { return malloc(len); }

__attribute__((export_name("deallocate")))
void deallocate(void *ptr) { free(ptr); }

__attribute__((export_name("kernel_address")))
const int *kernel_address(void) { return kernel; }

/* Blurs `len` bytes from `in` into `out`: each output byte is the weighted
 * average of its neighbours, weights from `kernel`. */
__attribute__((export_name("blur")))
void blur(const unsigned char *in, unsigned char *out, size_t len) {
    for (size_t i = 0; i < len; i++) {
        int sum = 0;
        int weight = 0;
        for (int k = -1; k <= 1; k++) {
            if (i + k < len) {
                sum += in[i + k] * kernel[k + 1];
                weight += kernel[k + 1];
            }
        }
        out[i] = (unsigned char)(sum / weight);
    }
}
