// The reference Argon2 library from Debian's libargon2-dev.
#include <argon2.h>
