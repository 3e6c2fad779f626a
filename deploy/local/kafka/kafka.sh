#!/usr/bin/env bash
# Local single-node KRaft Kafka broker (combined broker + controller) run from the Maven jars.
#
#   bash deploy/local/kafka/kafka.sh start | stop | status
#
# Environment (all optional):
#   KAFKA_PORT             client port, default 9092 (the broker binds 127.0.0.1 only)
#   KAFKA_CONTROLLER_PORT  controller port, default KAFKA_PORT + 1
#   KAFKA_DATA_DIR         log.dirs; default a fresh scratch dir under the cache, deleted by `stop`.
#                          A dir you name yourself is formatted if empty and kept by `stop`.
#   KAFKA_VERSION          broker version, default 3.9.1; 4.x (e.g. 4.1.1) runs with a log4j2 backend
#   KAFKA_CACHE_DIR        default <repo>/.cache/kafka (jars in lib-<version>/, one run dir per port)
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx768m"
#   KAFKA_JVM_OPTS         extra JVM flags
#   KAFKA_READY_TIMEOUT    seconds to wait for the broker to answer, default 90
#   KAFKA_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL, default 30
#
# Optional authenticated listeners (off unless a port is given; the PLAINTEXT listener on KAFKA_PORT stays):
#   KAFKA_SASL_PORT        adds a SASL_PLAINTEXT listener on 127.0.0.1:<port>
#   KAFKA_SASL_SSL_PORT    adds a SASL_SSL listener on 127.0.0.1:<port>; its self-signed CA is written to
#                          <run dir>/tls/ca.pem (point KAFKA_SSL_CA_FILE at it)
#   KAFKA_SASL_USERNAME    default stocksync: accepted with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
#   KAFKA_SASL_PASSWORD    default stocksync-local (letters, digits and ._~@%+- only). SCRAM credentials are
#                          written when the storage is formatted: a reused KAFKA_DATA_DIR keeps its old ones.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../../.." && pwd)"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
CACHE_DIR="${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka}"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
[[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { printf 'kafka.sh: error: invalid KAFKA_VERSION %s\n' "$KAFKA_VERSION" >&2; exit 1; }
LIB_DIR="$CACHE_DIR/lib-$KAFKA_VERSION"
RUN_DIR="$CACHE_DIR/run-$KAFKA_PORT"
PID_FILE="$RUN_DIR/broker.pid"
LOG_FILE="$RUN_DIR/broker.log"
PROPS_FILE="$RUN_DIR/server.properties"
DATA_DIR_FILE="$RUN_DIR/data-dir"      # the log.dirs of the running broker
SCRATCH_MARK="$RUN_DIR/data-is-scratch" # present when stop may delete that dir
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
SASL_PORT="${KAFKA_SASL_PORT:-}"
SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-}"
SASL_USER="${KAFKA_SASL_USERNAME:-stocksync}"
SASL_PASSWORD="${KAFKA_SASL_PASSWORD:-stocksync-local}"
TLS_DIR="$RUN_DIR/tls"
# 3.x logs through log4j 1 (reload4j), 4.x through log4j2; each reads only its own property.
LOG_CONFIG=(-Dlog4j.configuration="file:$SCRIPT_DIR/log4j.properties" -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.properties")

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) || die "invalid port '$p' (KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
done
[[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
for p in $SASL_PORT $SASL_SSL_PORT; do
  [[ "$p" =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) || die "invalid port '$p' (KAFKA_SASL_PORT / KAFKA_SASL_SSL_PORT)"
  [[ "$p" != "$KAFKA_PORT" && "$p" != "$KAFKA_CONTROLLER_PORT" ]] || die "SASL port $p clashes with KAFKA_PORT / KAFKA_CONTROLLER_PORT"
done
[[ -z "$SASL_PORT" || "$SASL_PORT" != "$SASL_SSL_PORT" ]] || die "KAFKA_SASL_PORT and KAFKA_SASL_SSL_PORT must differ"
sasl_enabled() { [[ -n "$SASL_PORT" || -n "$SASL_SSL_PORT" ]]; }
if sasl_enabled; then
  # These end up inside a JAAS line and a StorageTool --add-scram argument, which have no quoting.
  [[ "$SASL_USER" =~ ^[A-Za-z0-9._-]+$ ]] || die "KAFKA_SASL_USERNAME may hold only letters, digits and ._-"
  [[ "$SASL_PASSWORD" =~ ^[A-Za-z0-9._~@%+-]+$ ]] || die "KAFKA_SASL_PASSWORD may hold only letters, digits and ._~@%+-"
fi

# Our broker is alive when the pid file names a live JVM running kafka.Kafka with this run dir's properties
# (guards against a recycled pid after a crash).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "kafka.Kafka $PROPS_FILE" || return 1
  fi
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"; }

fetch_jars() {
  local stamp="$LIB_DIR/.pom.sha256" want
  want="$(sha256sum "$SCRIPT_DIR/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$LIB_DIR/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    return 0
  fi
  require mvn "needed once to fetch the broker jars into $LIB_DIR"
  log "fetching Kafka $KAFKA_VERSION broker jars with Maven into $LIB_DIR (first run only)"
  local tmp="$CACHE_DIR/lib.tmp.$$" flags=(-Dkafka.version="$KAFKA_VERSION")
  [[ "$KAFKA_VERSION" != 4.* ]] || flags+=(-Dkafka4)
  rm -rf "$tmp"
  mkdir -p "$CACHE_DIR"
  if ! mvn -B -q -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies "${flags[@]}" \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE_DIR/mvn.log" 2>&1; then
    tail -n 40 "$CACHE_DIR/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (full output: $CACHE_DIR/mvn.log)"
  fi
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
}

# A KRaft cluster id is a base64url-encoded random 16-byte UUID (what `StorageTool random-uuid` prints);
# generating it here saves one JVM start.
cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

# A throwaway CA and a broker certificate for 127.0.0.1/localhost, made once per run dir and kept across restarts
# (clients keep trusting the same ca.pem). The keystore password only protects a file next to its key.
make_tls() {
  [[ -f "$TLS_DIR/broker.p12" && -f "$TLS_DIR/ca.pem" ]] && return 0
  require openssl "makes the SASL_SSL listener's self-signed CA"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -subj "/CN=stocksync local Kafka CA" \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=127.0.0.1" -keyout broker.key -out broker.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl x509 -req -sha256 -days 825 -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -extfile broker.ext -out broker.pem
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
      -passout pass:stocksync-local-keystore -out broker.p12
    rm -f broker.csr broker.ext ca.srl
  ) >"$RUN_DIR/tls.log" 2>&1 || { cat "$RUN_DIR/tls.log" >&2; die "making the TLS material in $TLS_DIR failed"; }
  chmod 600 "$TLS_DIR"/*.key "$TLS_DIR/broker.p12"
}

write_properties() {
  local data_dir="$1"
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT" protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [[ -n "$SASL_PORT" ]]; then
    listeners+=",SASL_PLAINTEXT://127.0.0.1:$SASL_PORT"
    protocols+=",SASL_PLAINTEXT:SASL_PLAINTEXT"
  fi
  if [[ -n "$SASL_SSL_PORT" ]]; then
    listeners+=",SASL_SSL://127.0.0.1:$SASL_SSL_PORT"
    protocols+=",SASL_SSL:SASL_SSL"
  fi
  cat >"$PROPS_FILE" <<EOF
# Generated by deploy/local/kafka/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$data_dir

# Single node: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
min.insync.replicas=1
default.replication.factor=1
num.partitions=1

# Topics come from the messaging catalogue, never from a typo in a producer.
auto.create.topics.enable=false
# Tests join and leave consumer groups all the time; do not wait 3 s before the first rebalance.
group.initial.rebalance.delay.ms=0

# Sized for a 2-core machine.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
EOF
  sasl_enabled || return 0
  {
    echo
    echo "# Authenticated listeners: one user, accepted with PLAIN (JAAS below) and SCRAM (credentials in the metadata"
    echo "# log, written by StorageTool format --add-scram)."
    echo "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
    local l
    for l in ${SASL_PORT:+sasl_plaintext} ${SASL_SSL_PORT:+sasl_ssl}; do
      echo "listener.name.$l.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER=\"$SASL_PASSWORD\";"
      echo "listener.name.$l.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
      echo "listener.name.$l.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
    done
    if [[ -n "$SASL_SSL_PORT" ]]; then
      echo "listener.name.sasl_ssl.ssl.keystore.type=PKCS12"
      echo "listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/broker.p12"
      echo "listener.name.sasl_ssl.ssl.keystore.password=stocksync-local-keystore"
      echo "listener.name.sasl_ssl.ssl.key.password=stocksync-local-keystore"
    fi
  } >>"$PROPS_FILE"
}

cmd_start() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/lock"
  flock 9

  local pid
  if pid="$(running_pid)"; then
    log "already running on 127.0.0.1:$KAFKA_PORT (pid $pid)"
    node "$SCRIPT_DIR/wait-ready.js" --brokers "127.0.0.1:$KAFKA_PORT" --timeout "$READY_TIMEOUT" --pid "$pid" --log "$LOG_FILE"
    return 0
  fi
  cleanup_stale

  if port_open "$KAFKA_PORT"; then
    # Something not started by this script holds the port; succeed only if it answers like a Kafka broker.
    if node "$SCRIPT_DIR/wait-ready.js" --brokers "127.0.0.1:$KAFKA_PORT" --timeout 3 >/dev/null 2>&1; then
      log "a Kafka broker not managed by this script already answers on 127.0.0.1:$KAFKA_PORT; using it"
      return 0
    fi
    die "port 127.0.0.1:$KAFKA_PORT is in use by something that is not a Kafka broker (set KAFKA_PORT)"
  fi
  port_open "$KAFKA_CONTROLLER_PORT" && die "controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT is in use (set KAFKA_CONTROLLER_PORT)"
  for p in $SASL_PORT $SASL_SSL_PORT; do
    port_open "$p" && die "SASL port 127.0.0.1:$p is in use (set KAFKA_SASL_PORT / KAFKA_SASL_SSL_PORT)"
  done
  [[ -z "$SASL_SSL_PORT" ]] || make_tls

  require java "Java 17 runs the broker"
  require node "the readiness probe uses kafkajs"
  fetch_jars

  local data_dir
  if [[ -n "${KAFKA_DATA_DIR:-}" ]]; then
    data_dir="$KAFKA_DATA_DIR"
    mkdir -p "$data_dir"
    data_dir="$(cd "$data_dir" && pwd)"
    rm -f "$SCRATCH_MARK"
  else
    data_dir="$(mktemp -d "$RUN_DIR/data.XXXXXX")"
    touch "$SCRATCH_MARK"
  fi
  echo "$data_dir" >"$DATA_DIR_FILE"
  write_properties "$data_dir"

  local started=$SECONDS
  : >"$LOG_FILE"
  local scram_args=()
  if sasl_enabled; then
    scram_args=(--add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SASL_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]")
  fi
  # A KAFKA_DATA_DIR that already holds a formatted node is restarted as is (same cluster id, same log).
  if [[ -f "$data_dir/meta.properties" ]]; then
    log "reusing formatted storage in $data_dir"
  elif ! java -Xmx256m "${LOG_CONFIG[@]}" -cp "$LIB_DIR/*" \
    kafka.tools.StorageTool format -t "$(cluster_id)" -c "$PROPS_FILE" "${scram_args[@]}" >>"$LOG_FILE" 2>&1; then
    cat "$LOG_FILE" >&2
    cleanup_stale
    die "formatting KRaft storage in $data_dir failed"
  fi

  # shellcheck disable=SC2086 # heap and JVM options are word lists on purpose
  nohup java $HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    ${KAFKA_JVM_OPTS:-} \
    "${LOG_CONFIG[@]}" \
    -cp "$LIB_DIR/*" kafka.Kafka "$PROPS_FILE" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  if ! node "$SCRIPT_DIR/wait-ready.js" --brokers "127.0.0.1:$KAFKA_PORT" --timeout "$READY_TIMEOUT" --pid "$pid" --log "$LOG_FILE"; then
    stop_pid "$pid"
    cleanup_stale
    die "broker did not become ready (log kept at $LOG_FILE)"
  fi
  log "started on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, pid $pid) in $((SECONDS - started)) s; data $data_dir; log $LOG_FILE"
  [[ -z "$SASL_PORT" ]] || log "SASL_PLAINTEXT on 127.0.0.1:$SASL_PORT (user $SASL_USER; PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"
  [[ -z "$SASL_SSL_PORT" ]] || log "SASL_SSL on 127.0.0.1:$SASL_SSL_PORT (user $SASL_USER; CA $TLS_DIR/ca.pem)"
  return 0
}

stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= STOP_TIMEOUT * 10)); then
      log "pid $pid still alive after ${STOP_TIMEOUT} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # Reap it when it is our child (failed start); otherwise poll until the kernel has let it go.
  wait "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# Removes what a dead broker left behind: its pid file and, if it was scratch, its data.
cleanup_stale() {
  if [[ -f "$SCRATCH_MARK" && -f "$DATA_DIR_FILE" ]]; then
    local dir
    dir="$(cat "$DATA_DIR_FILE")"
    case "$dir" in
      "$RUN_DIR"/data.*) rm -rf "$dir" ;;
    esac
  fi
  rm -f "$PID_FILE" "$DATA_DIR_FILE" "$SCRATCH_MARK"
}

cmd_stop() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/lock"
  flock 9
  local pid
  if pid="$(running_pid)"; then
    local started=$SECONDS
    stop_pid "$pid"
    log "stopped broker on 127.0.0.1:$KAFKA_PORT (pid $pid) in $((SECONDS - started)) s"
  else
    log "not running on 127.0.0.1:$KAFKA_PORT"
  fi
  cleanup_stale
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, pid $pid, data $(cat "$DATA_DIR_FILE" 2>/dev/null || echo '?'), log $LOG_FILE)"
    return 0
  fi
  echo "stopped (port $KAFKA_PORT)"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status   (env: KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR, see the header)" >&2
    exit 2
    ;;
esac
