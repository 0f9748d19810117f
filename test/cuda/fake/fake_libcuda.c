/* A fake libcuda for CI without a GPU: the driver API functions of driver/cuda/bindings.ts over host memory.
 * Device pointers are malloc'd addresses; launches are logged (kernel name, geometry, argument bytes) to
 * $FAKE_CUDA_LOG; every event record advances a fake clock by 10 us; $FAKE_CUDA_FAIL="cuMemAlloc_v2=2,..."
 * makes the named calls return that CUresult; $FAKE_CUDA_BUSY=1 makes events never complete. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;

#define MAX_ENTRIES 64
#define MAX_PARAMS 64

typedef struct { char name[128]; int nparams; int sizes[MAX_PARAMS]; } Entry;
typedef struct { int nentries; Entry entries[MAX_ENTRIES]; } Module;
typedef struct { Entry *entry; } Function;
typedef struct { int id; } Stream;
typedef struct { int recorded; unsigned long tick; } Event;

static int initialised = 0;
static unsigned long clock_ticks = 0;
static int context_dummy = 1;

static int fail(const char *name) {
  const char *spec = getenv("FAKE_CUDA_FAIL");
  if (!spec) return 0;
  size_t n = strlen(name);
  for (const char *p = spec; (p = strstr(p, name)) != NULL; p += n) {
    int starts = p == spec || p[-1] == ',';
    if (starts && p[n] == '=') return atoi(p + n + 1);
  }
  return 0;
}

static void log_line(const char *fmt, const char *a, const char *b) {
  const char *path = getenv("FAKE_CUDA_LOG");
  if (!path) return;
  FILE *f = fopen(path, "a");
  if (!f) return;
  fprintf(f, fmt, a, b);
  fclose(f);
}

#define FAIL_IF(name) do { int code_ = fail(name); if (code_) return code_; } while (0)

CUresult cuInit(unsigned int flags) {
  (void)flags;
  FAIL_IF("cuInit");
  initialised = 1;
  return 0;
}

CUresult cuDriverGetVersion(int *version) { *version = 12040; return 0; }

static const struct { int code; const char *name; const char *text; } ERRORS[] = {
  {0, "CUDA_SUCCESS", "no error"},
  {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
  {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
  {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
  {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
  {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
  {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
  {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
  {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
  {600, "CUDA_ERROR_NOT_READY", "device not ready"},
  {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
  {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
  {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static int find_error(int code) {
  for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) if (ERRORS[i].code == code) return (int)i;
  return -1;
}

CUresult cuGetErrorName(int code, const char **name) {
  int i = find_error(code);
  if (i < 0) { *name = NULL; return 1; }
  *name = ERRORS[i].name;
  return 0;
}

CUresult cuGetErrorString(int code, const char **text) {
  int i = find_error(code);
  if (i < 0) { *text = NULL; return 1; }
  *text = ERRORS[i].text;
  return 0;
}

CUresult cuDeviceGetCount(int *count) {
  if (!initialised) return 3;
  FAIL_IF("cuDeviceGetCount");
  const char *n = getenv("FAKE_CUDA_DEVICES");
  *count = n ? atoi(n) : 1;
  return 0;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  int count = 0;
  cuDeviceGetCount(&count);
  if (ordinal < 0 || ordinal >= count) return 101;
  *device = ordinal;
  return 0;
}

CUresult cuDeviceGetName(char *name, int length, int device) {
  snprintf(name, (size_t)length, "Fake CUDA GPU %d", device);
  return 0;
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, int device) { (void)device; *bytes = (size_t)8 << 30; return 0; }

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  switch (attribute) {
    case 1: *value = 1024; break;                 /* max threads per block */
    case 2: case 3: *value = 1024; break;         /* max block dim x, y */
    case 4: *value = 64; break;
    case 5: *value = 2147483647; break;           /* max grid dim x */
    case 6: case 7: *value = 65535; break;
    case 8: *value = 49152; break;                /* shared memory per block */
    case 10: *value = 32; break;                  /* warp size */
    case 13: *value = 1410000; break;             /* clock, kHz */
    case 16: *value = 108; break;                 /* SMs */
    case 19: *value = 1; break;                   /* can map host memory */
    case 33: *value = 0x41; break;                /* PCI bus */
    case 34: *value = 0; break;                   /* PCI device */
    case 36: *value = 1215000; break;             /* memory clock, kHz */
    case 37: *value = 5120; break;                /* bus width, bits */
    case 50: *value = 0; break;                   /* PCI domain */
    case 75: *value = 8; break;                   /* compute capability */
    case 76: *value = 0; break;
    default: *value = 0; break;
  }
  return 0;
}

CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  (void)device;
  FAIL_IF("cuDevicePrimaryCtxRetain");
  *context = &context_dummy;
  return 0;
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) { (void)device; log_line("ctx_release%s%s\n", "", ""); return 0; }

CUresult cuCtxCreate_v2(void **context, unsigned int flags, int device) { (void)flags; (void)device; *context = &context_dummy; return 0; }
CUresult cuCtxSetCurrent(void *context) { (void)context; return 0; }
CUresult cuCtxSynchronize(void) { FAIL_IF("cuCtxSynchronize"); return 0; }

/* Reads `.visible .entry name( .param .u64 x, .param .u32 y, ... )` declarations out of the PTX text. */
static void parse_entries(const char *ptx, Module *m) {
  const char *p = ptx;
  while ((p = strstr(p, ".entry ")) != NULL && m->nentries < MAX_ENTRIES) {
    p += 7;
    Entry *e = &m->entries[m->nentries++];
    memset(e, 0, sizeof *e);
    size_t n = 0;
    while (*p && *p != '(' && *p != ' ' && *p != '\n' && n < sizeof e->name - 1) e->name[n++] = *p++;
    const char *end = strchr(p, ')');
    if (!end) break;
    const char *q = p;
    while ((q = strstr(q, ".param ")) != NULL && q < end && e->nparams < MAX_PARAMS) {
      q += 7;
      e->sizes[e->nparams++] = strncmp(q, ".u64", 4) == 0 || strncmp(q, ".b64", 4) == 0 ? 8 : 4;
    }
    p = end;
  }
}

CUresult cuModuleLoadDataEx(void **module, const char *image, unsigned int count, int *options, void **values) {
  int code = fail("cuModuleLoadDataEx");
  if (!code && strstr(image, "FAKE_JIT_ERROR")) code = 218;
  char *error_log = NULL, *info_log = NULL;
  size_t error_size = 0, info_size = 0;
  for (unsigned int i = 0; i < count; i++) {
    if (options[i] == 3) info_log = (char *)values[i];
    if (options[i] == 4) info_size = (size_t)(uintptr_t)values[i];
    if (options[i] == 5) error_log = (char *)values[i];
    if (options[i] == 6) error_size = (size_t)(uintptr_t)values[i];
  }
  if (info_log && info_size) {
    snprintf(info_log, info_size, "fake ptxas info: compiled %s", code ? "nothing" : "module");
    for (unsigned int i = 0; i < count; i++) if (options[i] == 4) values[i] = (void *)(uintptr_t)(strlen(info_log) + 1);
  }
  if (code) {
    if (error_log && error_size) {
      snprintf(error_log, error_size, "ptxas application ptx input, line 7; error   : fake JIT failure");
      for (unsigned int i = 0; i < count; i++) if (options[i] == 6) values[i] = (void *)(uintptr_t)(strlen(error_log) + 1);
    }
    return code;
  }
  Module *m = calloc(1, sizeof *m);
  parse_entries(image, m);
  *module = m;
  log_line("module_load %s%s\n", m->nentries ? m->entries[0].name : "(empty)", "");
  return 0;
}

CUresult cuModuleGetFunction(void **fn, void *module, const char *name) {
  Module *m = module;
  for (int i = 0; i < m->nentries; i++) {
    if (strcmp(m->entries[i].name, name) == 0) {
      Function *f = malloc(sizeof *f);
      f->entry = &m->entries[i];
      *fn = f;
      return 0;
    }
  }
  return 500;
}

CUresult cuModuleUnload(void *module) { free(module); log_line("module_unload%s%s\n", "", ""); return 0; }

CUresult cuMemAlloc_v2(uint64_t *dptr, size_t bytes) {
  FAIL_IF("cuMemAlloc_v2");
  void *p = calloc(1, bytes ? bytes : 1);
  if (!p) return 2;
  *dptr = (uint64_t)(uintptr_t)p;
  return 0;
}

CUresult cuMemFree_v2(uint64_t dptr) { free((void *)(uintptr_t)dptr); return 0; }

CUresult cuMemHostAlloc(void **host, size_t bytes, unsigned int flags) {
  FAIL_IF("cuMemHostAlloc");
  *host = calloc(1, bytes ? bytes : 1);
  char text[64];
  snprintf(text, sizeof text, "%zu flags=%u", bytes, flags);
  log_line("host_alloc %s%s\n", text, "");
  return *host ? 0 : 2;
}

CUresult cuMemFreeHost(void *host) { free(host); return 0; }

CUresult cuMemHostGetDevicePointer_v2(uint64_t *dptr, void *host, unsigned int flags) {
  (void)flags;
  *dptr = (uint64_t)(uintptr_t)host;
  return 0;
}

CUresult cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t bytes, void *stream) {
  (void)stream;
  FAIL_IF("cuMemcpyHtoDAsync_v2");
  memcpy((void *)(uintptr_t)dst, src, bytes);
  return 0;
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t bytes, void *stream) {
  (void)stream;
  FAIL_IF("cuMemcpyDtoHAsync_v2");
  memcpy(dst, (const void *)(uintptr_t)src, bytes);
  return 0;
}

CUresult cuMemsetD8Async(uint64_t dst, unsigned char value, size_t count, void *stream) {
  (void)stream;
  memset((void *)(uintptr_t)dst, value, count);
  return 0;
}

static int stream_count = 0;
CUresult cuStreamCreate(void **stream, unsigned int flags) {
  (void)flags;
  Stream *s = malloc(sizeof *s);
  s->id = ++stream_count;
  *stream = s;
  return 0;
}
CUresult cuStreamDestroy_v2(void *stream) { free(stream); return 0; }
CUresult cuStreamSynchronize(void *stream) { (void)stream; return 0; }
CUresult cuStreamWaitEvent(void *stream, void *event, unsigned int flags) { (void)stream; (void)event; (void)flags; return 0; }

CUresult cuEventCreate(void **event, unsigned int flags) {
  (void)flags;
  *event = calloc(1, sizeof(Event));
  return 0;
}
CUresult cuEventDestroy_v2(void *event) { free(event); return 0; }

CUresult cuEventRecord(void *event, void *stream) {
  (void)stream;
  Event *e = event;
  e->recorded = 1;
  e->tick = ++clock_ticks;
  return 0;
}

CUresult cuEventQuery(void *event) {
  (void)event;
  const char *busy = getenv("FAKE_CUDA_BUSY");
  return busy && busy[0] == '1' ? 600 : 0;
}

CUresult cuEventSynchronize(void *event) { (void)event; return 0; }

CUresult cuEventElapsedTime(float *ms, void *start, void *end) {
  Event *a = start, *b = end;
  if (!a->recorded || !b->recorded) return 600;
  *ms = (float)((double)b->tick - (double)a->tick) * 0.01f;
  return 0;
}

CUresult cuLaunchKernel(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                        unsigned int bz, unsigned int shared, void *stream, void **params, void **extra) {
  (void)stream; (void)extra; (void)shared;
  FAIL_IF("cuLaunchKernel");
  Function *f = fn;
  char text[4096];
  int n = snprintf(text, sizeof text, "grid=%u,%u,%u block=%u,%u,%u args=", gx, gy, gz, bx, by, bz);
  for (int i = 0; i < f->entry->nparams && n < (int)sizeof text - 40; i++) {
    const unsigned char *bytes = params[i];
    if (i) text[n++] = ' ';
    for (int j = 0; j < f->entry->sizes[i]; j++) n += snprintf(text + n, sizeof text - (size_t)n, "%02x", bytes[j]);
  }
  log_line("launch %s %s\n", f->entry->name, text);
  return 0;
}
