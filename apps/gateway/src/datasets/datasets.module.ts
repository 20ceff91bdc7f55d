import { Module, type OnModuleInit } from '@nestjs/common';
import { ActionRegistry } from '../imm/action-registry';
import { datasetActions } from './datasets.actions';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';

@Module({
  providers: [DatasetsRepository, DatasetsService],
  exports: [DatasetsRepository],
})
export class DatasetsModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: DatasetsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...datasetActions(this.service));
  }
}
