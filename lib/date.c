/*
 * date.c - calendar dates as day numbers, for the date rules (TR002, TR018,
 * TR134, TR135, ...). Pure arithmetic; "today" is always handed in.
 */
#include <ctype.h>
#include <stdio.h>
#include "iwmo.h"

/* Days from civil, after Howard Hinnant's public-domain algorithm. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

iwmo_date iwmo_date_make(int y, int m, int d)
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return IWMO_NO_DATE;
    return days_from_civil(y, (unsigned)m, (unsigned)d);
}

iwmo_date iwmo_date_parse(const char *s)
{
    if (!s)
        return IWMO_NO_DATE;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return IWMO_NO_DATE;
        } else if (!isdigit((unsigned char)s[i])) {
            return IWMO_NO_DATE;
        }
    }
    if (s[10] != '\0')
        return IWMO_NO_DATE;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return iwmo_date_make(y, m, d);
}

void iwmo_date_split(iwmo_date z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

void iwmo_date_format(iwmo_date d, char *out, size_t n)
{
    int y, m, dd;
    if (d == IWMO_NO_DATE) {
        snprintf(out, n, "(no date)");
        return;
    }
    iwmo_date_split(d, &y, &m, &dd);
    snprintf(out, n, "%04d-%02d-%02d", y, m, dd);
}

iwmo_date iwmo_date_add_years(iwmo_date d, int years)
{
    int y, m, dd;
    iwmo_date_split(d, &y, &m, &dd);
    y += years;
    if (m == 2 && dd == 29 && !is_leap(y))
        dd = 28;
    return iwmo_date_make(y, m, dd);
}
