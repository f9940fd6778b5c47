/* test_dates.c - the calendar arithmetic the date rules rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "iwmo.h"

static void test_parse_and_format(void **state)
{
    (void)state;
    char buf[16];
    assert_int_equal(iwmo_date_parse("1970-01-01"), 0);
    assert_int_equal(iwmo_date_parse("2026-11-24") - iwmo_date_parse("2026-11-20"), 4);
    iwmo_date_format(iwmo_date_parse("2024-02-29"), buf, sizeof(buf));
    assert_string_equal(buf, "2024-02-29");
    assert_int_equal(iwmo_date_parse("2027-06-31"), IWMO_NO_DATE);
    assert_int_equal(iwmo_date_parse("2025-02-29"), IWMO_NO_DATE);
    assert_int_equal(iwmo_date_parse("2026-1-01"), IWMO_NO_DATE);
    assert_int_equal(iwmo_date_parse("2026-01-01Z"), IWMO_NO_DATE);
    assert_int_equal(iwmo_date_parse(""), IWMO_NO_DATE);
    assert_true(iwmo_date_parse("1899-12-31") < iwmo_date_parse("1900-01-01"));
}

static void test_add_years(void **state)
{
    (void)state;
    assert_int_equal(iwmo_date_add_years(iwmo_date_parse("2024-02-29"), 1), iwmo_date_parse("2025-02-28"));
    assert_int_equal(iwmo_date_add_years(iwmo_date_parse("2026-11-20"), -120), iwmo_date_parse("1906-11-20"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_add_years),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
