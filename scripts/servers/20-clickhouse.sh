# ClickHouse (managed clickhouse kind): Debian's clickhouse-server 18.16, the only one that runs here.
# Tests connect to the HTTP interface as default:berth-test-admin@127.0.0.1:8123, and the provider writes
# one user file per dependency into /etc/clickhouse-server/users.d, which the server loads within
# seconds (18.16 has no SQL users). BERTH_TEST_CLICKHOUSE_URL overrides. Sourced by scripts/ensure-servers.
if [ -z "${BERTH_TEST_CLICKHOUSE_URL:-}" ]; then
  if [ ! -x /usr/sbin/clickhouse-server ]; then
    echo "installing clickhouse-server (Debian)"; apt_install clickhouse-server
  fi
  # Data in /var/lib/clickhouse and logs in /var/log/clickhouse-server (Debian's config.xml);
  # users.d next to users.xml is where the server merges extra users from.
  as_root mkdir -p /etc/clickhouse-server/users.d /var/lib/clickhouse /var/log/clickhouse-server
  as_root chown clickhouse:clickhouse /var/lib/clickhouse /var/log/clickhouse-server
  # Debian's users.xml has a passwordless `default` and `readonly` user; any dependency user could then
  # read every database through url('http://127.0.0.1:8123/?user=readonly&query=…'). The test server
  # gives `default` a (test-only) password and drops `readonly`.
  ch_admin=/etc/clickhouse-server/users.d/00-berth-test-admin.xml
  ch_admin_xml="<?xml version=\"1.0\"?>
<!-- Berth's test server: written by scripts/servers/20-clickhouse.sh -->
<yandex><users>
  <default><password remove=\"1\"/><password_sha256_hex>$(printf %s berth-test-admin | sha256sum | cut -d' ' -f1)</password_sha256_hex></default>
  <readonly remove=\"1\"/>
</users></yandex>"
  ch_admin_changed=""
  if [ "$(as_root cat "$ch_admin" 2>/dev/null)" != "$ch_admin_xml" ]; then
    printf '%s\n' "$ch_admin_xml" | as_root tee "$ch_admin" >/dev/null
    ch_admin_changed=1
  fi
  if ! listening 8123; then
    echo "starting clickhouse-server"
    as_root start-stop-daemon --start --oknodo --background --chuid clickhouse:clickhouse --chdir /var/lib/clickhouse \
      --exec /usr/sbin/clickhouse-server -- --config-file=/etc/clickhouse-server/config.xml
    wait_for 8123 clickhouse-server
  elif [ -n "$ch_admin_changed" ]; then
    # A running server reloads users.d every few seconds; wait until the passwordless login is refused.
    for _ in $(seq 1 50); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:8123/?query=SELECT%201')" = 200 ] || break
      sleep 0.2
    done
  fi
  ready="$ready, clickhouse :8123"
fi
