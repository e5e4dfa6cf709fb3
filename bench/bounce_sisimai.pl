#!/usr/bin/perl
# p5-sisimai as a benchmark peer, driven by bench/bounce_peers.py over stdin/stdout.
#
#   perl bench/bounce_sisimai.pl LISTFILE
#
# LISTFILE names one message file per line; every message is read into memory once (start-up and
# reading are not timed). Then, for each line on stdin:
#   "run"  parses every message with Sisimai->make and prints "<cpu seconds> <wall seconds> <facts>";
#   "dump" prints one tab-separated line per fact: index, recipient, reason, status, action; then "end";
#   "quit" exits.
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);

my $list = shift @ARGV or die "usage: $0 LISTFILE\n";
open(my $lf, '<', $list) or die "cannot read $list: $!\n";
my @messages;
while (my $path = <$lf>) {
    chomp $path;
    next unless length $path;
    open(my $fh, '<:raw', $path) or die "cannot read $path: $!\n";
    local $/;
    push @messages, scalar <$fh>;
    close $fh;
}
close $lf;
$| = 1;
print "ready ", scalar(@messages), "\n";

while (my $command = <STDIN>) {
    chomp $command;
    last if $command eq 'quit';
    if ($command eq 'run') {
        my ($user0, $system0) = times;
        my $wall0 = time;
        my $facts = 0;
        for my $data (@messages) {
            my $copy = $data;
            my $found = eval { Sisimai->make(\$copy) };
            $facts += scalar @$found if ref $found eq 'ARRAY';
        }
        my ($user1, $system1) = times;
        printf "%.6f %.6f %d\n", ($user1 + $system1) - ($user0 + $system0), time - $wall0, $facts;
    } elsif ($command eq 'dump') {
        for my $index (0 .. $#messages) {
            my $copy = $messages[$index];
            my $found = eval { Sisimai->make(\$copy) } || [];
            for my $fact (@$found) {
                my $recipient = eval { $fact->recipient->address } // '';
                printf "%d\t%s\t%s\t%s\t%s\n", $index, $recipient, $fact->reason // '', $fact->deliverystatus // '', $fact->action // '';
            }
        }
        print "end\n";
    }
}
