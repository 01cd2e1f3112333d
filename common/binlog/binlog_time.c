/* binlog_time.c: the texts of temporal values (DATE, TIME, DATETIME,
 * TIMESTAMP, old and new formats) and of the values bl_row_pack packs by
 * a plan (bl_plan_text: DECIMAL and temporals straight from the row image).
 * The texts are the record form docs/record-format.md gives. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <string.h>

#include "stream/rec.h"

/* Temporal ---------------------------------------------------------- */

/* Whether a packed TIME / DATETIME is one MySQL can hold: the text the
 * functions below make of it is then the form the record stream requires
 * (stream/rec.c rec_val_validate), which rec_encode_decoded relies on. */
int bl_packed_time_ok(int64_t packed)
{
	uint64_t t = packed < 0 ? (uint64_t)(-(packed + 1)) + 1 : (uint64_t)packed;
	uint64_t hms = t >> 24;
	return (t & 0xffffff) <= 999999 && (hms >> 12) <= 838 && ((hms >> 6) & 63) <= 59 &&
	       (hms & 63) <= 59;
}

int bl_packed_datetime_ok(int64_t packed)
{
	uint64_t t = packed < 0 ? (uint64_t)(-(packed + 1)) + 1 : (uint64_t)packed;
	uint64_t hms = (t >> 24) % (1 << 17), ym = (t >> 24) >> 22;
	return (t & 0xffffff) <= 999999 && (hms >> 12) <= 23 && ((hms >> 6) & 63) <= 59 &&
	       (hms & 63) <= 59 && ym / 13 <= 9999;
}

/* MySQL's packed TIME (hms << 24 | usec, signed) to text. */
static size_t time_text(int64_t packed, unsigned dec, char *o)
{
	int neg = packed < 0;
	uint64_t t = neg ? (uint64_t)(-(packed + 1)) + 1 : (uint64_t)packed;
	uint64_t hms = t >> 24;
	uint32_t usec = (uint32_t)(t & 0xffffff);
	unsigned h = (unsigned)((hms >> 12) % 1024), m = (unsigned)((hms >> 6) % 64),
		 s = (unsigned)(hms % 64);
	char *e = o;
	if (neg)
		*e++ = '-';
	e = bl_digits_min(e, h, 2);
	*e++ = ':';
	e = bl_digits(e, m, 2);
	*e++ = ':';
	e = bl_digits(e, s, 2);
	return (size_t)(e - o) + bl_frac_text(e, dec, usec);
}

/* MySQL's packed DATETIME (ymdhms << 24 | usec) to text. */
static size_t datetime_text(int64_t packed, unsigned dec, int date_only, char *o)
{
	uint64_t t = packed < 0 ? (uint64_t)(-(packed + 1)) + 1 : (uint64_t)packed;
	uint64_t ymdhms = t >> 24, ymd = ymdhms >> 17, ym = ymd >> 5, hms = ymdhms % (1 << 17);
	uint32_t usec = (uint32_t)(t & 0xffffff);
	unsigned day = (unsigned)(ymd % 32), mon = (unsigned)(ym % 13), year = (unsigned)(ym / 13);
	unsigned sec = (unsigned)(hms % 64), min = (unsigned)((hms >> 6) % 64),
		 hour = (unsigned)(hms >> 12);
	char *e = bl_ymd_text(o, year % 10000, mon, day);
	if (date_only)
		return (size_t)(e - o);
	*e++ = ' ';
	e = bl_hms_text(e, hour % 100, min, sec);
	return (size_t)(e - o) + bl_frac_text(e, dec, usec);
}

/* Exposed for the JSON opaque values. */
size_t bl_packed_time_text(int64_t packed, unsigned dec, char *o)
{
	return time_text(packed, dec, o);
}
size_t bl_packed_datetime_text(int64_t packed, unsigned dec, int date_only, char *o)
{
	return datetime_text(packed, dec, date_only, o);
}

/* The text of a TIMESTAMP at o (room for 27 bytes): its end. */
char *bl_ts_text(struct bl_decoder *d, uint32_t sec, uint32_t usec, unsigned dec, char *o)
{
	char *e;
	if (sec == 0 && usec == 0) {
		e = bl_ymd_text(o, 0, 0, 0);
		*e++ = ' ';
		e = bl_hms_text(e, 0, 0, 0);
	} else {
		/* kept for the next value of the same second, or day */
		if (sec != d->ts_sec || !d->ts_days) {
			uint32_t days = sec / 86400, rem = sec % 86400;
			if (days + 1 != d->ts_days) {
				/* civil date from days since 1970-01-01 (Howard
				 * Hinnant's method) */
				uint32_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
				uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
				uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
				uint32_t mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1;
				uint32_t mm = mp < 10 ? mp + 3 : mp - 9,
					 yy = yoe + era * 400 + (mm <= 2);
				bl_ymd_text(d->ts_text, yy, mm, dd);
				d->ts_text[10] = ' ';
				d->ts_days = days + 1;
			}
			bl_hms_text(d->ts_text + 11, rem / 3600, rem / 60 % 60, rem % 60);
			d->ts_sec = sec;
		}
		memcpy(o, d->ts_text, 19);
		e = o + 19;
	}
	return e + bl_frac_text(e, dec, usec);
}

/* MySQL's old DATETIME (YYYYMMDDhhmmss as an integer) at o (room for 19
 * bytes): the text's length, 0 when it is not a date and time. */
size_t bl_old_datetime_text(uint64_t x, char *o)
{
	/* its digits are the text's: YYYYMM and DDhhmmss, two at a time */
	uint32_t hi, lo, yy, y2, mon, day, hour, min, sec;
	if (x >= 100000000000000ull)
		return 0;
	hi = (uint32_t)(x / 100000000u);
	lo = (uint32_t)(x % 100000000u);
	mon = hi % 100;
	y2 = hi / 100 % 100;
	yy = hi / 10000;
	sec = lo % 100;
	min = lo / 100 % 100;
	hour = lo / 10000 % 100;
	day = lo / 1000000;
	if (mon > 12 || day > 31 || hour > 23 || min > 59 || sec > 59)
		return 0;
	memcpy(o, bl_two_digits + 2 * yy, 2);
	memcpy(o + 2, bl_two_digits + 2 * y2, 2);
	o[4] = '-';
	memcpy(o + 5, bl_two_digits + 2 * mon, 2);
	o[7] = '-';
	memcpy(o + 8, bl_two_digits + 2 * day, 2);
	o[10] = ' ';
	memcpy(o + 11, bl_two_digits + 2 * hour, 2);
	o[13] = ':';
	memcpy(o + 14, bl_two_digits + 2 * min, 2);
	o[16] = ':';
	memcpy(o + 17, bl_two_digits + 2 * sec, 2);
	return 19;
}

/* The text of a value of a column planned BL_PLAN_TEXT, its plan_n bytes
 * at p, at o (room for BL_PLAN_TEXT_MAX bytes): its length and *ext (the
 * record's extension type), or 0 when the value is not valid (bl_value
 * says why). The same texts as bl_value's. */
size_t bl_plan_text(struct bl_decoder *d, const struct bl_col *c, const uint8_t *p, char *o,
		    int8_t *ext)
{
	switch (c->type) {
	case BL_T_NEWDECIMAL:
		*ext = MC_EXT_DECIMAL;
		return bl_decimal_text(p, c->meta >> 8, c->meta & 0xff, o);
	case BL_T_DATE: case BL_T_NEWDATE: {
		uint32_t x = le16(p) | (uint32_t)p[2] << 16;
		if (((x >> 5) & 15) > 12)
			return 0;
		*ext = MC_EXT_DATE;
		return (size_t)(bl_ymd_text(o, (x >> 9) % 10000, (x >> 5) & 15, x & 31) - o);
	}
	case BL_T_DATETIME:
		*ext = MC_EXT_DATETIME;
		return bl_old_datetime_text(le64(p), o);
	case BL_T_TIMESTAMP:
		*ext = MC_EXT_TIMESTAMP;
		return (size_t)(bl_ts_text(d, le32(p), 0, 0, o) - o);
	case BL_T_DATETIME2: {
		unsigned dec = c->meta, fb = (dec + 1) / 2;
		int64_t intpart = (int64_t)bl_be_n(p, 5) - 0x8000000000LL;
		uint32_t usec = 0;
		if (fb)
			usec = (uint32_t)bl_be_n(p + 5, fb) * (fb == 1 ? 10000 : fb == 2 ? 100 : 1);
		if (intpart < 0 || !bl_packed_datetime_ok(intpart * (1 << 24) + usec))
			return 0;
		*ext = MC_EXT_DATETIME;
		return datetime_text(intpart * (1 << 24) + usec, dec, 0, o);
	}
	case BL_T_TIMESTAMP2: {
		unsigned dec = c->meta, fb = (dec + 1) / 2;
		uint32_t usec = 0;
		if (fb)
			usec = (uint32_t)bl_be_n(p + 4, fb) * (fb == 1 ? 10000 : fb == 2 ? 100 : 1);
		if (usec > 999999)
			return 0;
		*ext = MC_EXT_TIMESTAMP;
		return (size_t)(bl_ts_text(d, (uint32_t)bl_be_n(p, 4), usec, dec, o) - o);
	}
	default:
		return 0;
	}
}

