#include "rules/stateful_images.h"

#include "rules/image_ref.h"

namespace shipshape::rules {

const std::vector<StatefulImage>& statefulImages() {
  static const std::vector<StatefulImage> kImages = {
      {"postgres", {"/var/lib/postgresql/data", "/var/lib/postgresql"}},
      {"postgis", {"/var/lib/postgresql/data", "/var/lib/postgresql"}},
      {"timescaledb", {"/var/lib/postgresql/data", "/var/lib/postgresql"}},
      {"mysql", {"/var/lib/mysql"}},
      {"mariadb", {"/var/lib/mysql"}},
      {"percona", {"/var/lib/mysql"}},
      {"mongo", {"/data/db"}},
      {"mongodb", {"/data/db"}},
      {"redis", {"/data"}},
      {"valkey", {"/data"}},
      {"elasticsearch", {"/usr/share/elasticsearch/data"}},
      {"opensearch", {"/usr/share/opensearch/data"}},
      {"rabbitmq", {"/var/lib/rabbitmq"}},
      {"influxdb", {"/var/lib/influxdb", "/var/lib/influxdb2"}},
      {"cassandra", {"/var/lib/cassandra"}},
      {"couchdb", {"/opt/couchdb/data"}},
      {"neo4j", {"/data"}},
      {"clickhouse-server", {"/var/lib/clickhouse"}},
      {"minio", {"/data"}},
      {"zookeeper", {"/data", "/datalog"}},
      {"etcd", {"/etcd-data", "/var/lib/etcd"}},
      {"kafka", {"/var/lib/kafka/data", "/bitnami/kafka"}},
      {"nats", {"/data"}},
      {"memcached", {}},  // in-memory by design: nothing to persist
  };
  return kImages;
}

std::string imageBaseName(std::string_view image) {
  std::string name = parseImageRef(image).name;
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

const StatefulImage* findStatefulImage(std::string_view image) {
  std::string base = imageBaseName(image);
  for (const auto& known : statefulImages()) {
    if (base == known.name) return &known;
  }
  return nullptr;
}

}  // namespace shipshape::rules
