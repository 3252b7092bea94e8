/*
 * bcryptprimitives.dll for Wine prefixes that lack it: `cargo xtask windows` builds it with
 * the mingw-w64 compiler and copies it into its prefix's system32.
 *
 * Rust's standard library (1.78 and later) takes its random bytes from `ProcessPrng`, imported
 * from bcryptprimitives.dll, so every Rust program needs that DLL to start at all; Wine 8.0
 * does not ship it. `RtlGenRandom` (advapi32's `SystemFunction036`), which Wine has, gives the
 * same thing: bytes from the system's cryptographic generator.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Windows documents ProcessPrng as always returning TRUE; a failure here would leave the
 * buffer unfilled, so it is reported rather than hidden. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length; larger requests are served in pieces. */
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
