#!/bin/sh
# One-shot job of docker-compose.yml: the namespace and the search attributes of the orders and the credit lines.
# The worker registers missing search attributes itself too; doing it here as well lets the
# Web UI's saved searches work before the first worker starts.
set -eu
address="${TEMPORAL_ADDRESS:?}"
namespace="${TEMPORAL_NAMESPACE:-default}"

until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  echo "waiting for Temporal at $address"
  sleep 2
done
temporal operator namespace describe -n "$namespace" --address "$address" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$namespace" --retention 30d --address "$address"

existing=$(temporal operator search-attribute list -n "$namespace" --address "$address")
for pair in OrderStatus=Keyword OrderOutcome=Keyword BuyerId=Keyword SupplierId=Keyword \
  ShipBy=Datetime ArbitrationDueAt=Datetime EscrowAmount=Int OrderCurrency=Keyword ArbitrationOverdue=Bool \
  CreditLineStatus=Keyword VerificationOverdue=Bool; do
  name=${pair%%=*}
  type=${pair#*=}
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create -n "$namespace" --name "$name" --type "$type" --address "$address"
  fi
done
echo "namespace $namespace is ready"
