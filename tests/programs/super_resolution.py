"""pytorch/examples super_resolution (model.py and main.py): the sub-pixel CNN with
PixelShuffle and orthogonal initialisation, MSELoss, Adam, PSNR on a test set and a
torch.save of the whole model per epoch. BSDS300 is replaced by synthetic image pairs."""
import argparse
from math import log10

import numpy as np
import torch
import torch.nn as nn
import torch.nn.init as init
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


def synthetic_pairs(n, size, upscale_factor, seed):
    """Stands in for data.get_training_set: (low-resolution Y channel, full-resolution Y)."""
    rng = np.random.RandomState(seed)
    high = rng.rand(n, 1, size * upscale_factor, size * upscale_factor).astype(np.float32)
    low = high.reshape(n, 1, size, upscale_factor, size, upscale_factor).mean((3, 5))
    return TensorDataset(torch.from_numpy(low), torch.from_numpy(high))


def main(argv=None, start=lambda model: model):
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch Super Res Example')
    parser.add_argument('--upscale_factor', type=int, required=True, help="super resolution upscale factor")
    parser.add_argument('--batchSize', type=int, default=64, help='training batch size')
    parser.add_argument('--testBatchSize', type=int, default=10, help='testing batch size')
    parser.add_argument('--nEpochs', type=int, default=2, help='number of epochs to train for')
    parser.add_argument('--lr', type=float, default=0.01, help='Learning Rate. Default=0.01')
    parser.add_argument('--accel', action='store_true', help='choose the accelerator')
    parser.add_argument('--threads', type=int, default=4, help='number of threads for data loader to use')
    parser.add_argument('--seed', type=int, default=123, help='random seed to use. Default=123')
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--n', type=int, default=200)
    parser.add_argument('--out', default='.')
    opt = parser.parse_args(argv)

    print(opt)

    torch.manual_seed(opt.seed)

    device = torch.device("cpu")

    print('===> Loading datasets')
    train_set = synthetic_pairs(opt.n, opt.size, opt.upscale_factor, 1)
    test_set = synthetic_pairs(opt.n // 2, opt.size, opt.upscale_factor, 2)
    training_data_loader = DataLoader(dataset=train_set, num_workers=opt.threads, batch_size=opt.batchSize, shuffle=True)
    testing_data_loader = DataLoader(dataset=test_set, num_workers=opt.threads, batch_size=opt.testBatchSize, shuffle=False)

    print('===> Building model')
    model = Net(upscale_factor=opt.upscale_factor).to(device)
    start(model)
    criterion = nn.MSELoss()

    optimizer = optim.Adam(model.parameters(), lr=opt.lr)
    losses, psnrs = [], []

    def train(epoch):
        epoch_loss = 0
        for iteration, batch in enumerate(training_data_loader, 1):
            input, target = batch[0].to(device), batch[1].to(device)

            optimizer.zero_grad()
            loss = criterion(model(input), target)
            epoch_loss += loss.item()
            losses.append(loss.item())
            loss.backward()
            optimizer.step()

            print("===> Epoch[{}]({}/{}): Loss: {:.4f}".format(epoch, iteration, len(training_data_loader), loss.item()))

        print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(epoch, epoch_loss / len(training_data_loader)))

    def test():
        avg_psnr = 0
        with torch.no_grad():
            for batch in testing_data_loader:
                input, target = batch[0].to(device), batch[1].to(device)

                prediction = model(input)
                mse = criterion(prediction, target)
                psnr = 10 * log10(1 / mse.item())
                avg_psnr += psnr
        print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr / len(testing_data_loader)))
        psnrs.append(avg_psnr / len(testing_data_loader))

    def checkpoint(epoch):
        model_out_path = opt.out + "/model_epoch_{}.pth".format(epoch)
        torch.save(model, model_out_path)
        print("Checkpoint saved to {}".format("model_epoch_{}.pth".format(epoch)))

    for epoch in range(1, opt.nEpochs + 1):
        train(epoch)
        test()
        checkpoint(epoch)
    loaded = torch.load(opt.out + "/model_epoch_{}.pth".format(opt.nEpochs), weights_only=False)
    return {"losses": losses, "psnr": psnrs, "model": model, "loaded": loaded}


if __name__ == "__main__":
    main()
