/*
 * awsnames.h - the shapes of AWS names we accept from agents, checked before
 * they reach the database. Shapes follow the EC2 API reference: instance ids
 * "i-" + 8 or 17 hex digits; types "family.size" (t3.medium, u-6tb1.metal);
 * regions like us-east-1 or us-gov-west-1; zones the region plus a letter,
 * or a Local Zone (us-east-1-bos-1a).
 */
#ifndef SPOT_AWSNAMES_H
#define SPOT_AWSNAMES_H

#include <stddef.h>

#define AWS_POOL_ID_MAX 128

int aws_instance_id_valid(const char *s);
int aws_instance_type_valid(const char *s);
int aws_region_valid(const char *s);
/* The zone must belong to region. */
int aws_az_valid(const char *az, const char *region);
/* "<type>.<az>", e.g. "t3.medium.ap-south-1a". 0, or -1 if it does not fit. */
int aws_pool_id(char *out, size_t size, const char *type, const char *az);

#endif
