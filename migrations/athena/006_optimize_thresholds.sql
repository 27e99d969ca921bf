-- OPTIMIZE must rewrite every data file that has a delete, or the erasure leaves the
-- subject's rows in the old data files, which the snapshots then keep on S3 (and
-- VACUUM never deletes them). Athena's defaults skip a data file with fewer than 2
-- delete files (optimize_rewrite_delete_file_threshold) and a partition with fewer
-- than 5 such files (optimize_rewrite_data_file_threshold): an erasure writes one
-- delete file per data file of the subject's bucket, so both thresholds are 1, on
-- the events table and on the load quarantine, which the erasure also deletes from.
ALTER TABLE {{database}}.{{eventsTable}} SET TBLPROPERTIES (
  'optimize_rewrite_delete_file_threshold' = '1',
  'optimize_rewrite_data_file_threshold' = '1'
);
ALTER TABLE {{database}}.{{eventsTable}}_quarantine SET TBLPROPERTIES (
  'optimize_rewrite_delete_file_threshold' = '1',
  'optimize_rewrite_data_file_threshold' = '1'
);
