// BLAS for the MiniLM embedder's matrix products (Debian: libopenblas-dev).
#include <cblas.h>

// OpenBLAS's own thread control: the embedder runs its own bounded pool, one BLAS thread each.
void openblas_set_num_threads(int num_threads);
