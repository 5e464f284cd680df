package dev.runbook.database;

import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.StepLog;
import dev.runbook.exec.ToolMissingException;
import dev.runbook.process.StepFailedException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The dump and restore tools of one database kind ({@code mongodb}: mongodump/mongorestore; {@code postgresql}:
 * pg_dump/pg_restore). Counts are per collection (MongoDB, keyed by collection name) or per table (PostgreSQL, keyed
 * by the schema-qualified name as pg_dump writes it, e.g. {@code public.orders}). Passwords go to the tools through a
 * 0600 file, never an argument.
 */
interface DatabaseClient {

    /** The {@code database.kind} this client serves. */
    String kind();

    /** File name ending of its archives ({@code .archive.gz}, {@code .pgdump}). */
    String suffix();

    /**
     * Dumps the database {@code uri.database()} into one compressed archive file, then reports what it holds.
     *
     * @return documents or rows per collection or table, as the tools report them
     * @throws CommandFailedException on a non-zero exit or timeout
     * @throws ToolMissingException   when the tool cannot be started
     */
    Map<String, Long> dump(DatabaseUri uri, Path archive, StepLog log);

    /**
     * Checks the archive's header (MongoDB archive magic number, PostgreSQL custom-format {@code PGDMP}).
     *
     * @throws StepFailedException {@code BACKUP_INVALID} when the file is not such an archive
     */
    void checkFormat(Path archive);

    /**
     * Creates the database when it does not exist yet (PostgreSQL needs it before a dump or restore; MongoDB
     * creates databases on first write).
     */
    void ensureDatabase(DatabaseUri uri, StepLog log);

    /**
     * Restores an archive dumped from database {@code sourceDatabase} into {@code into.database()}, dropping and
     * re-creating what the archive holds ({@code mongorestore --drop}, {@code pg_restore --clean}); other collections
     * or tables are left as they are.
     *
     * @param names the collections or tables the archive holds (from the catalogue)
     * @return documents or rows per collection or table after the restore (MongoDB: as mongorestore reports them;
     *         PostgreSQL: counted in the restored database)
     * @throws CommandFailedException on a non-zero exit or timeout
     */
    Map<String, Long> restore(DatabaseUri into, Path archive, String sourceDatabase, Set<String> names, StepLog log);
}
