"""PolicyValueNet: the residual CNN that is System 1 on its own and guides System 2's search.

AlphaZero's shape at small scale: a 3x3 conv stem, `blocks` residual blocks of `channels`
filters, a policy head giving one logit per OpenSpiel action, and a value head giving the
expected outcome in [-1, 1] for the player to move.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from games.errors import UserError
from games.game import Game


@dataclass(frozen=True)
class NetworkConfig:
    channels: int = 64  # width of every residual block
    blocks: int = 4  # residual blocks (AlphaZero: 19-39; small boards need few)
    value_hidden: int = 64  # hidden units of the value head

    # The values each field may take, checked where a config is read (sandbox/config.py).
    RANGES = {
        "channels": "[1, 1024]",
        "blocks": "[0, 100]",
        "value_hidden": "[1, 4096]",
    }


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(x + y)


class PolicyValueNet(nn.Module):
    """obs [B, C, H, W] -> (logits [B, A], value [B]); value is from the mover's view."""

    def __init__(
        self,
        observation_shape: tuple[int, int, int],
        num_actions: int,
        channels: int = 64,
        blocks: int = 4,
        value_hidden: int = 64,
    ):
        super().__init__()
        c, h, w = observation_shape
        self.observation_shape = observation_shape
        self.num_actions = num_actions
        self.stem = nn.Sequential(
            nn.Conv2d(c, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
        )
        self.trunk = nn.Sequential(*[ResidualBlock(channels) for _ in range(blocks)])
        self.policy_head = nn.Sequential(
            nn.Conv2d(channels, 2, 1, bias=False),
            nn.BatchNorm2d(2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * h * w, num_actions),
        )
        self.value_head = nn.Sequential(
            nn.Conv2d(channels, 1, 1, bias=False),
            nn.BatchNorm2d(1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(h * w, value_hidden),
            nn.ReLU(),
            nn.Linear(value_hidden, 1),
            nn.Tanh(),
        )

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.trunk(self.stem(obs))
        return self.policy_head(x), self.value_head(x).squeeze(-1)


def folded_for_inference(net: PolicyValueNet) -> PolicyValueNet:
    """A copy of `net` for inference only, each batch norm folded into the conv before it.

    In eval mode a batch norm is a fixed per-channel scale and shift, which the conv's weights
    and bias can carry (torch's `fuse_conv_bn_eval`): the same outputs (to float rounding) with
    11 of the forward's 44 operator calls gone; batch norm was 6% of self-play's forward time.
    The copy cannot be trained and does not follow `net`: make a new one when its weights
    change.
    """
    folded = copy.deepcopy(net).eval()
    with torch.no_grad():
        pairs: list[tuple[nn.Module, str, str]] = [
            (folded.stem, "0", "1"),
            (folded.policy_head, "0", "1"),
            (folded.value_head, "0", "1"),
        ]
        pairs += [(block, conv, bn) for block in folded.trunk for conv, bn in
                  (("conv1", "bn1"), ("conv2", "bn2"))]  # fmt: skip
        for parent, conv, bn in pairs:
            fused = fuse_conv_bn_eval(getattr(parent, conv), getattr(parent, bn))
            setattr(parent, conv, fused)
            setattr(parent, bn, nn.Identity())
    return folded.requires_grad_(False)


def build_network(cfg: NetworkConfig, game: Game) -> PolicyValueNet:
    return PolicyValueNet(
        game.observation_shape, game.num_actions, cfg.channels, cfg.blocks, cfg.value_hidden
    )


def resolve_device(name: str) -> torch.device:
    """ "auto" picks CUDA when present, else CPU; a device this torch cannot use is a UserError
    (one line), not a traceback from deep inside the first tensor moved there."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        device = None
    if device is None or device.type not in ("cpu", "cuda", "mps"):
        raise UserError(f"unknown device '{name}' (known: auto, cpu, cuda, cuda:N, mps)")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device '{name}' is not available: torch {torch.__version__} sees no GPU")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise UserError(
            f"device '{name}' is not available: {torch.cuda.device_count()} GPU(s) visible"
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UserError(f"device '{name}' is not available: this torch or machine has no MPS")
    return device
