import { Module, type OnModuleInit } from '@nestjs/common';
import { ActionRegistry } from '../imm/action-registry';
import { taskActions } from './tasks.actions';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

/** GetTask and ListTasks (recording tasks is TasksModule's TaskRecorder). */
@Module({
  providers: [TasksRepository, TasksService],
})
export class TasksApiModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: TasksService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...taskActions(this.service));
  }
}
