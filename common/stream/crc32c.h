/* crc32c.h: CRC-32C (Castagnoli, as iSCSI, ext4 and SCTP use it), the
 * checksum carried in a record stream's trailer (docs/record-format.md). */
#ifndef MC_CRC32C_H
#define MC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of crc's bytes followed by p[0..n): start with crc 0.
 * Uses the SSE4.2 instruction where the CPU has it. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

/* The same, always by table (for tests and CPUs without SSE4.2). */
uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n);

#endif
