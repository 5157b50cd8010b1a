# Seed tutorial 003 ("An essential tool in Pytorch: Autograd"): the training-loop idiom
# with a small model so that it runs.
import torch

torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
some_input = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
ideal_output = torch.tensor([[1.0], [0.0]])
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3]]))
    model.bias.fill_(0.05)

optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
prediction = model(some_input)
loss = (ideal_output - prediction).pow(2).sum()
print(loss)
loss.backward()
print(model.weight.grad, model.bias.grad)
optimizer.step()
optimizer.zero_grad()
print(model.weight, model.bias.grad)
print(model.weight.is_leaf, prediction.grad_fn, loss.grad_fn)
