import { Module, type OnModuleInit } from '@nestjs/common';
import { DatasetsModule } from '../datasets/datasets.module';
import { ActionRegistry } from '../imm/action-registry';
import { fileActions } from './files.actions';
import { FilesRepository } from './files.repository';
import { FilesService } from './files.service';

@Module({
  imports: [DatasetsModule],
  providers: [FilesRepository, FilesService],
})
export class FilesModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: FilesService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...fileActions(this.service));
  }
}
