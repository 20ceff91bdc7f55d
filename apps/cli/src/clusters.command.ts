import { Limits } from '@simclust/contracts';
import { println, type CommandContext } from './command-context';
import { ExitCode } from './exit-codes';
import { formatTable } from './table';

export interface ClustersOptions {
  project: string;
  dataset: string;
  json?: boolean;
  max?: number;
}

export interface ClusterView {
  ObjectId: string;
  CreateTime: string;
  UpdateTime: string;
  CustomLabels: Record<string, string>;
  Files: Array<{ URI: string; ImageScore: number; ScoreDetails?: { Sharpness: number; Exposure: number; Resolution: number } }>;
}

/** `simclust clusters`: every cluster of the dataset (or the first --max), paging through NextToken. */
export async function clustersCommand(options: ClustersOptions, ctx: CommandContext): Promise<ExitCode> {
  const { project: ProjectName, dataset: DatasetName } = options;
  const limit = options.max ?? Infinity;
  const clusters: ClusterView[] = [];
  let NextToken: string | undefined;
  do {
    const MaxResults = Math.min(Limits.maxResults, limit - clusters.length);
    const page = await ctx.client.call<{ SimilarImageClusters: ClusterView[]; NextToken?: string }>('QuerySimilarImageClusters', {
      ProjectName,
      DatasetName,
      MaxResults,
      NextToken,
    });
    clusters.push(...page.SimilarImageClusters.slice(0, limit - clusters.length));
    NextToken = page.NextToken;
  } while (NextToken && clusters.length < limit);

  if (options.json) {
    println(ctx.out, JSON.stringify({ SimilarImageClusters: clusters }, null, 2));
    return ExitCode.Success;
  }
  if (clusters.length === 0) {
    println(ctx.out, `no clusters in project ${ProjectName}, dataset ${DatasetName} (index images, then run \`simclust cluster\`)`);
    return ExitCode.Success;
  }
  println(ctx.out, clusterTable(clusters));
  return ExitCode.Success;
}

/** One row per cluster: the best shot is the first file (the API orders members best first). */
export function clusterTable(clusters: ClusterView[]): string {
  return formatTable(
    ['OBJECT ID', 'SIZE', 'SCORE', 'UPDATED', 'BEST SHOT'],
    clusters.map((c) => [c.ObjectId, String(c.Files.length), c.Files[0] ? c.Files[0].ImageScore.toFixed(3) : '-', c.UpdateTime, c.Files[0]?.URI ?? '-']),
  );
}
