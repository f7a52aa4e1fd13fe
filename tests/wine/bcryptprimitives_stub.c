/* Wine 8 (Debian 12) lacks bcryptprimitives.dll, which Rust's std imports for
 * ProcessPrng since Rust 1.78; every Windows from 10 on has it. This stand-in
 * lets tests/windows_wine.rs run the cross-built exe under Wine: it is built
 * next to a copy of the exe for the test only and never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
