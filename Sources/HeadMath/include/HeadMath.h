// C interface over Armadillo for the dense head (filled in with the head).
#ifndef TEACHPAD_HEADMATH_H
#define TEACHPAD_HEADMATH_H
#ifdef __cplusplus
extern "C" {
#endif
int headmath_version(void);
#ifdef __cplusplus
}
#endif
#endif
