import { Module, type OnModuleInit } from '@nestjs/common';
import { DatasetsModule } from '../datasets/datasets.module';
import { ActionRegistry } from '../imm/action-registry';
import { clusterActions } from './clusters.actions';
import { ClustersRepository } from './clusters.repository';
import { ClustersService } from './clusters.service';

@Module({
  imports: [DatasetsModule],
  providers: [ClustersRepository, ClustersService],
})
export class ClustersModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: ClustersService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...clusterActions(this.service));
  }
}
