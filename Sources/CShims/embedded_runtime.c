// Runtime functions that Embedded Swift's standard library calls but does
// not define for a `none` triple; the host build gets them from
// libswiftCore. Compiled only in the ARM build, whose toolset
// (cross/toolset.json.in) defines TEACHPAD_EMBEDDED.
#if defined(TEACHPAD_EMBEDDED)

#define _GNU_SOURCE  // strtod_l and strtof_l
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) {
  c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

// Double(String) and Float(String): strtod/strtof in the C locale, the
// value through `result`, and the end of the parsed text as the return
// value, or NULL when the text is out of range (as the Swift runtime does).
const char *_swift_stdlib_strtod_clocale(const char *text, double *result) {
  pthread_once(&c_locale_once, make_c_locale);
  char *end = NULL;
  errno = 0;
  double value = strtod_l(text, &end, c_locale);
  *result = value;
  if ((value == HUGE_VAL || value == -HUGE_VAL || value == 0.0) &&
      errno == ERANGE)
    return NULL;
  return end;
}

const char *_swift_stdlib_strtof_clocale(const char *text, float *result) {
  pthread_once(&c_locale_once, make_c_locale);
  char *end = NULL;
  errno = 0;
  float value = strtof_l(text, &end, c_locale);
  *result = value;
  if ((value == HUGE_VALF || value == -HUGE_VALF || value == 0.0f) &&
      errno == ERANGE)
    return NULL;
  return end;
}

#endif
