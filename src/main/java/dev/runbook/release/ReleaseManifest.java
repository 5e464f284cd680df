package dev.runbook.release;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The manifest ({@code manifest.json}) of one release backup under {@code <data-dir>/releases/<target>/<id>/}.
 *
 * @param id         backup id, {@code yyyyMMdd_HHmmss} (plus {@code _N} when two fall in one second)
 * @param target     target name
 * @param commit     40-hex SHA of HEAD when the snapshot was taken
 * @param createdAt  when it was taken
 * @param createdBy  user who requested the run that took it
 * @param runId      process instance id of that run
 * @param artifacts  per component, the artifact folders (relative to the component dir) that existed and were copied
 * @param pm2        the PM2 process list at that time: app name to status
 * @param sizeBytes  total size of the copied artifacts in bytes
 */
public record ReleaseManifest(
        String id,
        String target,
        String commit,
        Instant createdAt,
        String createdBy,
        String runId,
        Map<String, List<String>> artifacts,
        Map<String, String> pm2,
        long sizeBytes) {

    /**
     * The components this backup holds no artifact of (it was taken before they were ever built): restoring it would
     * remove their build output and leave them not serving, so a rollback to it is refused.
     */
    public List<String> componentsWithoutArtifacts() {
        return artifacts.entrySet().stream()
                .filter(e -> e.getValue() == null || e.getValue().isEmpty())
                .map(Map.Entry::getKey)
                .toList();
    }
}
