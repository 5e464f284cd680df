package dev.runbook.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Parsing and rewriting of database URIs, passwords with URI-special characters included. */
class DatabaseUriTest {

    private static final String SPECIAL =
            "mongodb://app:p%40ss%3Aw%2Frd%25+x@db1:27017,db2:27017/shop?authSource=admin&replicaSet=rs0";

    @Test
    void shouldDecodeUserPasswordAndDatabaseWhenPasswordHasUriSpecialCharacters() {
        DatabaseUri uri = DatabaseUri.parse(SPECIAL);

        assertThat(uri.scheme()).isEqualTo("mongodb");
        assertThat(uri.user()).isEqualTo("app");
        assertThat(uri.password()).isEqualTo("p@ss:w/rd%+x");
        assertThat(uri.hosts()).isEqualTo("db1:27017,db2:27017");
        assertThat(uri.database()).isEqualTo("shop");
        assertThat(uri.query()).isEqualTo("authSource=admin&replicaSet=rs0");
    }

    @Test
    void shouldKeepThePasswordOutOfTheArgumentFormAndTheDisplayForm() {
        DatabaseUri uri = DatabaseUri.parse(SPECIAL);

        assertThat(uri.withoutPassword())
                .isEqualTo("mongodb://app@db1:27017,db2:27017/shop?authSource=admin&replicaSet=rs0");
        assertThat(uri.toString())
                .isEqualTo("mongodb://app:****@db1:27017,db2:27017/shop?authSource=admin&replicaSet=rs0")
                .doesNotContain("p@ss")
                .doesNotContain("p%40ss");
        assertThat(DatabaseUri.parse(uri.withPassword()).password()).isEqualTo("p@ss:w/rd%+x");
    }

    @Test
    void shouldKeepTheAuthenticationDatabaseWhenMovingAMongoUriToAnotherDatabase() {
        DatabaseUri uri = DatabaseUri.parse("mongodb://app:pw@h/shop");

        assertThat(uri.withDatabase("shop_copy").withoutPassword())
                .isEqualTo("mongodb://app@h/shop_copy?authSource=shop");
        assertThat(uri.withDatabase(null).withoutPassword()).isEqualTo("mongodb://app@h/?authSource=shop");
        assertThat(DatabaseUri.parse(SPECIAL).withDatabase(null).query()).isEqualTo("authSource=admin&replicaSet=rs0");
    }

    @Test
    void shouldSwapThePostgresDatabaseWithoutAddingOptions() {
        DatabaseUri uri = DatabaseUri.parse("postgresql://postgres@127.0.0.1:5432/test");

        assertThat(uri.password()).isNull();
        assertThat(uri.withDatabase("other").withoutPassword()).isEqualTo("postgresql://postgres@127.0.0.1:5432/other");
        assertThat(uri.toString()).isEqualTo("postgresql://postgres@127.0.0.1:5432/test");
    }

    @Test
    void shouldRefuseUrisWithoutSchemeOrHostWithoutEchoingThePassword() {
        assertThatThrownBy(() -> DatabaseUri.parse("app:secret-pw@h/shop")).hasMessageNotContaining("secret-pw");
        assertThatThrownBy(() -> DatabaseUri.parse("mongodb://app:secret-pw@/shop"))
                .hasMessage("database uri has no host");
    }
}
