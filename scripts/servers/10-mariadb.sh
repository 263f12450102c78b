# MariaDB (managed mysql kind): tests connect as root@127.0.0.1:3306 without a password
# (BERTH_TEST_MYSQL_URL overrides). Sourced by scripts/ensure-servers.
if [ -z "${BERTH_TEST_MYSQL_URL:-}" ]; then
  if ! command -v mariadbd >/dev/null || ! command -v mariadb-dump >/dev/null; then
    echo "installing mariadb (Debian)"; apt_install mariadb-server mariadb-client
  fi
  if ! listening 3306; then
    echo "starting mariadb"
    as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for 3306 mariadb
  fi
  ready="$ready, mariadb :3306"
fi
