/**
 * `tunelab/schedules`: learning-rate schedules matching torch.optim.lr_scheduler, the same module
 * as the `schedules` namespace of 'tunelab'.
 */
export * from '../schedules';
