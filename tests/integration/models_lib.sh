# models_lib.sh - helpers for the model registry tests (sourced after harness.sh).
#
#   model NAME VERSION FEATURES COEFS MEANS SCALES INTERCEPT   a logreg model file (JSON) on stdout
#   models_fixture REGION TYPE   4 pools of TYPE in REGION's zones a-d with 7 days of 5-minute canonical
#                                prices and a clear signal: every 8 hours a pool's price climbs above
#                                on-demand ($0.10) over 90 minutes and stays there 30 minutes, each pool
#                                at its own phase; the rest of the time it sits near $0.03.

model() { # model NAME VERSION FEATURES COEFS MEANS SCALES INTERCEPT
  printf '{"schema":"spot-model/1","name":"%s","version":"%s","engine":"logreg","features":%s,"coefficients":%s,"mean":%s,"scale":%s,"intercept":%s,"label":"price above on-demand within 1 h"}' "$@"
}

models_fixture() {
  local REGION=$1 TYPE=$2 z
  for z in a b c d; do
    sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$TYPE.$REGION$z', '$TYPE', '$REGION', '$REGION$z')"
  done
  sql "DELETE FROM pricing_canonical WHERE pool_id LIKE '$TYPE.$REGION%'"
  sql "INSERT INTO pricing_canonical (id, pool_id, bucket_start, price, ondemand_price, hour_of_day, day_of_week)
       SELECT UUID(), p.id, FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 300) - s.seq) * 300),
              CASE WHEN (2016 - s.seq + p.k * 24) % 96 < 18 THEN 0.0300 + 0.0100 * ((2016 - s.seq + p.k * 24) % 96)
                   WHEN (2016 - s.seq + p.k * 24) % 96 < 24 THEN 0.1500
                   ELSE 0.0300 + 0.0005 * (((2016 - s.seq) * 7) % 5) END,
              0.1000, HOUR(FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 300) - s.seq) * 300)),
              WEEKDAY(FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 300) - s.seq) * 300))
       FROM (SELECT id, ASCII(RIGHT(id, 1)) - 97 AS k FROM spot_pools WHERE id IN
             ('$TYPE.${REGION}a', '$TYPE.${REGION}b', '$TYPE.${REGION}c', '$TYPE.${REGION}d')) p
       JOIN seq_1_to_2016 s"
  [ "$(sql "SELECT COUNT(*) FROM pricing_canonical WHERE pool_id LIKE '$TYPE.$REGION%'")" = 8064 ] || fail "fixture rows"
}
