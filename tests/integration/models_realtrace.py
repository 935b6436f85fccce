#!/usr/bin/env python3
"""models_realtrace.py - a real spot price trace (CSV: timestamp,availability_zone,instance_type,
product_description,spot_price) as held-out data for the model registry test (test_models_real.sh).

  models_realtrace.py CSV DAYS SQL_OUT TRAIN_CSV_OUT

The last DAYS days of the trace are resampled on the 5-minute grid (a price holds until the next record
of its pool) and shifted so that the last bucket is the current 5-minute bucket; SQL_OUT loads them into
pricing_canonical under pools named realtrace.<type>.<az> (on-demand from the catalog's us-east-1 price).
TRAIN_CSV_OUT gets the records before that window only, so a model trained on it never saw the held-out
days."""
import csv, sys, time
from datetime import datetime, timezone

src, days, sql_out, train_out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = []
with open(src) as f:
    for r in csv.DictReader(f):
        if r['product_description'] != 'Linux/UNIX':
            continue
        t = datetime.strptime(r['timestamp'], '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc).timestamp()
        rows.append((int(t), r['availability_zone'], r['instance_type'], float(r['spot_price']), r))
rows.sort(key=lambda x: x[0])
end = rows[-1][0]
start = end - days * 86400
with open(train_out, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['timestamp', 'availability_zone', 'instance_type', 'product_description', 'spot_price'])
    for t, az, typ, p, r in rows:
        if t < start:
            w.writerow([r['timestamp'], az, typ, 'Linux/UNIX', r['spot_price']])
pools = {}
for t, az, typ, p, r in rows:
    pools.setdefault((typ, az), []).append((t, p))
nb = days * 288
now_bucket = int(time.time()) // 300 * 300
out = ['CREATE TEMPORARY TABLE rt (pool_id VARCHAR(128), typ VARCHAR(64), az VARCHAR(32), ts BIGINT, price DECIMAL(12,6));']
vals = []
for (typ, az), series in sorted(pools.items()):
    pid = 'realtrace.%s.%s' % (typ, az)
    out.append("INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('%s', '%s', 'us-east-1', '%s');" % (pid, typ, az))
    i, cur = 0, None
    for b in range(nb):
        t = start + (b + 1) * 300
        while i < len(series) and series[i][0] <= t:
            cur = series[i][1]
            i += 1
        if cur is None:
            continue
        vals.append("('%s','%s','%s',%d,%.6f)" % (pid, typ, az, now_bucket - (nb - 1 - b) * 300, cur))
for k in range(0, len(vals), 2000):
    out.append('INSERT INTO rt VALUES ' + ','.join(vals[k:k + 2000]) + ';')
out.append("INSERT INTO pricing_canonical (id, pool_id, bucket_start, price, ondemand_price, hour_of_day, day_of_week) "
           "SELECT UUID(), rt.pool_id, FROM_UNIXTIME(rt.ts), rt.price, it.ondemand_price, HOUR(FROM_UNIXTIME(rt.ts)), "
           "WEEKDAY(FROM_UNIXTIME(rt.ts)) FROM rt LEFT JOIN instance_types it ON it.instance_type = rt.typ "
           "AND it.region = 'us-east-1';")
with open(sql_out, 'w') as f:
    f.write('\n'.join(out) + '\n')
print('%d pools, %d canonical rows, %d training records before the window' % (
    len(pools), len(vals), sum(1 for x in rows if x[0] < start)))
