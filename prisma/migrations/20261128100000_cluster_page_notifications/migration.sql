-- Every change that can alter a QuerySimilarImageClusters page (clusters, their members, the members' files, the
-- dataset itself) notifies channel simclust_cluster_pages with the dataset's id, once per statement and dataset;
-- gateways LISTEN and drop their cached pages of that dataset. Statement-level triggers over transition tables:
-- a clustering run writing 100k members costs one notification, not 100k.

-- A trigger names its transition table "changed"; these functions read the dataset ids from it.
CREATE FUNCTION simclust_notify_datasets_of_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('simclust_cluster_pages', d."datasetId") FROM (SELECT DISTINCT "datasetId" FROM changed) d;
  RETURN NULL;
END $$;

CREATE FUNCTION simclust_notify_datasets_of_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Members deleted with their cluster find no cluster here; the cluster's own trigger has notified.
  PERFORM pg_notify('simclust_cluster_pages', d."datasetId")
     FROM (SELECT DISTINCT c."datasetId" FROM changed m JOIN "SimilarImageCluster" c ON c.id = m."clusterId") d;
  RETURN NULL;
END $$;

CREATE FUNCTION simclust_notify_datasets_of_member_files() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only files that are in a cluster show on a page (new files being indexed do not invalidate anything).
  PERFORM pg_notify('simclust_cluster_pages', d."datasetId")
     FROM (SELECT DISTINCT f."datasetId" FROM changed f JOIN "SimilarImageClusterMember" m ON m."fileId" = f.id) d;
  RETURN NULL;
END $$;

CREATE FUNCTION simclust_notify_deleted_datasets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('simclust_cluster_pages', d.id) FROM (SELECT DISTINCT id FROM changed) d;
  RETURN NULL;
END $$;

CREATE TRIGGER cluster_pages_cluster_insert AFTER INSERT ON "SimilarImageCluster"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_rows();
CREATE TRIGGER cluster_pages_cluster_update AFTER UPDATE ON "SimilarImageCluster"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_rows();
CREATE TRIGGER cluster_pages_cluster_delete AFTER DELETE ON "SimilarImageCluster"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_rows();

CREATE TRIGGER cluster_pages_member_insert AFTER INSERT ON "SimilarImageClusterMember"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_members();
CREATE TRIGGER cluster_pages_member_update AFTER UPDATE ON "SimilarImageClusterMember"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_members();
CREATE TRIGGER cluster_pages_member_update_new AFTER UPDATE ON "SimilarImageClusterMember"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_members();
CREATE TRIGGER cluster_pages_member_delete AFTER DELETE ON "SimilarImageClusterMember"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_members();

-- A file's URI, ImageScore and ScoreDetails show on its cluster's page (the UPDATE trigger cannot list columns:
-- transition tables forbid it). A deleted member file's page is notified by its member row's trigger.
CREATE TRIGGER cluster_pages_file_update AFTER UPDATE ON "File"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_datasets_of_member_files();

CREATE TRIGGER cluster_pages_dataset_delete AFTER DELETE ON "Dataset"
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION simclust_notify_deleted_datasets();
