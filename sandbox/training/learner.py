"""The AlphaZero loss and one gradient step; no I/O.

loss = cross-entropy(search policy, network policy over legal moves)
     + value_weight * (outcome - value)^2
(AlphaGo Zero, Methods; L2 regularisation comes from AdamW's weight decay.)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from agents.network import PolicyValueNet
from sandbox.training.replay import Batch


@dataclass(frozen=True)
class LearnerConfig:
    batch_size: int = 256
    learning_rate: float = 2e-3  # AdamW
    weight_decay: float = 1e-4
    steps_per_iteration: int = 100  # gradient steps after each self-play iteration
    min_buffer: int = 1_000  # positions in the buffer before learning starts
    value_weight: float = 1.0  # loss = policy CE + value_weight * value MSE
    # Learning-rate schedule on the run's own clock (training minutes, kept across --resume):
    # constant until `anneal_start_minutes`, then falling geometrically to
    # `learning_rate_final` over `anneal_minutes`, and held there. 0 minutes = no schedule.
    anneal_start_minutes: float = 0.0
    anneal_minutes: float = 0.0
    learning_rate_final: float = 4e-4

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "batch_size": "[1, 65536]",
        "learning_rate": "> 0",
        "weight_decay": ">= 0",
        "steps_per_iteration": ">= 1",
        "min_buffer": ">= 0",
        "value_weight": ">= 0",
        "anneal_start_minutes": ">= 0",
        "anneal_minutes": ">= 0",
        "learning_rate_final": "> 0",
    }


@dataclass(frozen=True)
class StepMetrics:
    loss: float
    policy_loss: float  # cross-entropy against the search policy
    value_loss: float  # mean squared error against the outcome
    policy_entropy: float  # entropy of the network's policy: falls as it grows confident


def learning_rate_at(cfg: LearnerConfig, minutes: float) -> float:
    """The learning rate at `minutes` of the run's training clock.

    Keyed on wall time, not steps, because a recipe here is a time budget on a laptop: the
    connect4 run that set the pattern dropped the rate by hand at 75 and 96 of its 115 minutes,
    and the fall is what turned a wandering System 1 into a settled one. Geometric, so each
    minute of the fall divides the rate by the same factor.
    """
    if cfg.anneal_minutes <= 0 or minutes <= cfg.anneal_start_minutes:
        return cfg.learning_rate
    done = min(1.0, (minutes - cfg.anneal_start_minutes) / cfg.anneal_minutes)
    return cfg.learning_rate * (cfg.learning_rate_final / cfg.learning_rate) ** done


def schedule_learning_rate(
    optimizer: torch.optim.Optimizer, cfg: LearnerConfig, minutes: float
) -> float:
    """Sets the optimizer to `learning_rate_at(cfg, minutes)` and returns that rate (both
    trainers call this before each iteration's steps and log what it returns)."""
    rate = learning_rate_at(cfg, minutes)
    for group in optimizer.param_groups:
        group["lr"] = rate
    return rate


def make_optimizer(net: PolicyValueNet, cfg: LearnerConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)


def losses(
    net: PolicyValueNet, batch: Batch, device: torch.device, value_weight: float = 1.0
) -> tuple[torch.Tensor, StepMetrics]:
    obs = torch.from_numpy(batch.obs).to(device)
    legal = torch.from_numpy(batch.legal).to(device)
    target_policy = torch.from_numpy(batch.target_policy).to(device)
    target_value = torch.from_numpy(batch.target_value).to(device)
    logits, value = net(obs)
    # A large negative (not -inf) on illegal moves keeps 0 * log p finite where the target is 0.
    log_p = torch.log_softmax(logits.masked_fill(~legal, -1e9), dim=-1)
    policy_loss = -(target_policy * log_p).sum(-1).mean()
    value_loss = ((value - target_value) ** 2).mean()
    loss = policy_loss + value_weight * value_loss
    with torch.no_grad():
        entropy = -(log_p.exp() * log_p).sum(-1).mean()
    metrics = StepMetrics(loss.item(), policy_loss.item(), value_loss.item(), entropy.item())
    return loss, metrics


def train_step(
    net: PolicyValueNet,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    cfg: LearnerConfig,
    device: torch.device | str = "cpu",
) -> StepMetrics:
    net.train()
    loss, metrics = losses(net, batch, torch.device(device), cfg.value_weight)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    net.eval()
    return metrics
