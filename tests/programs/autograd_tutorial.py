"""PyTorch tutorials on autograd, the parts that need no download:

- "A Gentle Introduction to torch.autograd" (blitz/autograd_tutorial.py): Q = 3a^3 - b^2,
  requires_grad propagation, freezing a network's parameters for finetuning (a small
  conv net stands in for the downloaded resnet18);
- "Automatic Differentiation with torch.autograd" (basics/autogradqs_tutorial.py): a
  one-layer net with binary_cross_entropy_with_logits, grad_fn, no_grad, detach, and
  gradients accumulating over repeated backward calls on a non-scalar output.
"""
import torch
from torch import nn, optim


class TinyResNet(nn.Module):
    """Stands in for torchvision's resnet18 (a download): a convolution, then ``fc``."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(torch.relu(self.conv1(x))), 1))


def gentle_introduction(start):
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)

    Q = 3*a**3 - b**2

    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)

    # check if collected gradients are correct
    print(9*a**2 == a.grad)
    print(-2*b == b.grad)

    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)

    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")

    model = TinyResNet()

    # Freeze all the parameters in the network
    for param in model.parameters():
        param.requires_grad = False

    model.fc = nn.Linear(8, 10)
    start(model)
    # Optimize only the classifier
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

    data = torch.rand(1, 3, 16, 16)
    labels = torch.rand(1, 10)
    prediction = model(data)  # forward pass
    loss = (prediction - labels).sum()
    loss.backward()  # backward pass
    optimizer.step()  # gradient descent
    print([name for name, p in model.named_parameters() if p.grad is not None])
    return loss


def automatic_differentiation():
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w)+b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")

    loss.backward()
    print(w.grad)
    print(b.grad)

    z = torch.matmul(x, w)+b
    print(z.requires_grad)

    with torch.no_grad():
        z = torch.matmul(x, w)+b
    print(z.requires_grad)

    z = torch.matmul(x, w)+b
    z_det = z.detach()
    print(z_det.requires_grad)

    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp+1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"First call\n{inp.grad}")
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")
    return loss


def main(start=lambda model: model):
    return {"losses": [gentle_introduction(start).item(), automatic_differentiation().item()]}


if __name__ == "__main__":
    main()
