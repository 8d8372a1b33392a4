#include "HeadMath.h"
#include <armadillo>
extern "C" int headmath_version(void) { return ARMA_VERSION_MAJOR; }
