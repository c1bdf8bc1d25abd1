#include "rules/secrets.h"

#include <gtest/gtest.h>

#include "rules/image_ref.h"

namespace shipshape::rules {
namespace {

TEST(SecretNames, FlagsCredentialsNotReferencesOrPublicKeys) {
  for (const char* n : {"DB_PASSWORD", "POSTGRES_PASSWORD", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "API_KEY",
                        "stripe-api-key", "client_secret", "NPM_TOKEN", "REGISTRY_AUTH", "MYSQL_ROOT_PASSWORD",
                        "PRIVATE_KEY", "DBPASSWORD"}) {
    EXPECT_TRUE(isSecretName(n)) << n;
  }
  for (const char* n : {"GPG_KEY", "PASSWORD_FILE", "POSTGRES_PASSWORD_FILE", "TOKEN_URL", "AUTHOR", "PATH",
                        "PYTHON_VERSION", "KEYCLOAK_URL", "DB_USER", "SECRET_NAME", "PASSWORD_POLICY"}) {
    EXPECT_FALSE(isSecretName(n)) << n;
  }
}

TEST(SecretValues, KnownPrefixesAndHighEntropyOnly) {
  EXPECT_TRUE(looksLikeSecretValue("ghp_0123456789abcdefghijABCDEFGHIJ"));
  EXPECT_TRUE(looksLikeSecretValue("AKIAIOSFODNN7EXAMPLE1234"));
  EXPECT_TRUE(looksLikeSecretValue("xK9#mQ2$vL8@pR4!nT6&wY1*zB3"));
  EXPECT_FALSE(looksLikeSecretValue("1.2.3"));
  EXPECT_FALSE(looksLikeSecretValue("A035C8C19219BA821ECEA86B64E628F8D684696D")) << "hex fingerprints are public";
  EXPECT_FALSE(looksLikeSecretValue("/usr/local/bin:/usr/bin:/bin:/sbin/more"));
  EXPECT_FALSE(looksLikeSecretValue("https://example.com/Some/Long/Path123"));
  EXPECT_FALSE(looksLikeSecretValue("production"));
}

TEST(Redact, NeverShowsTheValue) {
  EXPECT_EQ(redact("hunter2"), "***(7 chars)");
}

TEST(EmbeddedCredentials, UserPasswordButNotDigests) {
  EXPECT_TRUE(hasEmbeddedCredentials("https://user:pass@example.com/x.tgz"));
  EXPECT_TRUE(hasEmbeddedCredentials("user:pass@registry.example.com/app:1"));
  EXPECT_FALSE(hasEmbeddedCredentials("app@sha256:abcdef"));
  EXPECT_FALSE(hasEmbeddedCredentials("registry:5000/app:1"));
}

TEST(ImageRef, TagsDigestsAndRegistryPorts) {
  auto r = parseImageRef("localhost:5000/team/app:1.2@sha256:abc");
  EXPECT_EQ(r.name, "localhost:5000/team/app");
  EXPECT_EQ(r.tag, "1.2");
  EXPECT_EQ(r.digest, "sha256:abc");
  EXPECT_FALSE(r.mutableTag());
  EXPECT_TRUE(parseImageRef("localhost:5000/app").mutableTag());
  EXPECT_TRUE(parseImageRef("nginx:latest").mutableTag());
  EXPECT_FALSE(parseImageRef("nginx@sha256:abc").mutableTag());
}

TEST(SecretAssignments, ReferencesAndSwitchesAreNotSecretsAPasswordInAUrlIs) {
  EXPECT_TRUE(isSecretAssignment("DB_PASSWORD", "hunter2"));
  EXPECT_TRUE(isSecretAssignment("DATABASE_URL", "mysql://app:s3cret@db:3306/app"));
  EXPECT_TRUE(isSecretAssignment("ANYTHING", "postgres://u:p@h/db"));
  EXPECT_FALSE(isSecretAssignment("DB_PASSWORD", "/run/secrets/db_password"));
  EXPECT_FALSE(isSecretAssignment("POSTGRES_PASSWORD", "./secrets/pg"));
  EXPECT_FALSE(isSecretAssignment("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"));
  EXPECT_FALSE(isSecretAssignment("MYSQL_RANDOM_ROOT_PASSWORD", "1"));
  EXPECT_FALSE(isSecretAssignment("MARIADB_RANDOM_ROOT_PASSWORD", "true"));
  EXPECT_FALSE(isSecretAssignment("DATABASE_URL", "mysql://app@db:3306/app"));
  EXPECT_FALSE(isSecretAssignment("DB_PASSWORD", ""));
}

}  // namespace
}  // namespace shipshape::rules
