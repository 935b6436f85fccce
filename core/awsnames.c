/* awsnames.c - shape checks for AWS identifiers. */
#include "core/awsnames.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int aws_instance_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (strncmp(s, "i-", 2) || (n != 10 && n != 19))
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

int aws_instance_type_valid(const char *s)
{
	const char *dot = strchr(s, '.');
	size_t n = strlen(s);
	if (!dot || dot == s || !dot[1] || strchr(dot + 1, '.') || n > 64 || !islower((unsigned char)s[0]))
		return 0;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '.')
			return 0;
	return 1;
}

int aws_region_valid(const char *s)
{
	/* letters-(letters-)*digits: us-east-1, ap-southeast-2, us-gov-west-1 */
	size_t n = strlen(s), parts = 0;
	const char *p = s;
	if (n < 6 || n > 32)
		return 0;
	while (*p) {
		const char *start = p;
		while (islower((unsigned char)*p))
			p++;
		if (p == start)
			break;
		parts++;
		if (*p++ != '-')
			return 0;
	}
	if (parts < 2 || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

int aws_az_valid(const char *az, const char *region)
{
	size_t rn = strlen(region), n = strlen(az);
	if (!aws_region_valid(region) || n <= rn || n > 32 || strncmp(az, region, rn))
		return 0;
	az += rn;
	if (islower((unsigned char)az[0]) && !az[1])
		return 1; /* us-east-1a */
	/* Local Zones: us-east-1-bos-1a */
	if (*az++ != '-')
		return 0;
	while (islower((unsigned char)*az))
		az++;
	if (*az++ != '-' || !isdigit((unsigned char)*az))
		return 0;
	while (isdigit((unsigned char)*az))
		az++;
	return islower((unsigned char)az[0]) && !az[1];
}

int aws_pool_id(char *out, size_t size, const char *type, const char *az)
{
	int n = snprintf(out, size, "%s.%s", type, az);
	return n > 0 && (size_t)n < size ? 0 : -1;
}
