// hiredis from Debian's libhiredis-dev (Deploy/local/dependencies.sh installs it).
#include <hiredis/hiredis.h>
